// The command lines that make, with Python, what a static site cannot: the walkthrough and the GIF, with the
// page's own layer and numbers (typed values as JSON, as the CLI reads them).

// The CLI command that gives the same picture or walkthrough as the page shows.
export function cliCommand(what, c, { typed = null, view, matrix = false, lang }) {
  const parts = [`tconv ${what}`];
  const axes = (v) => v.length === 1 ? `${v[0]},` : v.join(",");
  if (typed) parts.push(`--input '${typed.x}'`, `--weight '${typed.w}'`);
  else parts.push(`-i ${axes(c.input_size)}`, `-k ${axes(c.kernel_size)}`, `--seed ${c.seed}`);
  parts.push(`-s ${axes(c.stride)}`, `-p ${axes(c.padding)}`, `-d ${axes(c.dilation)}`);
  if (c.mode === "conv") parts.push(what === "animate" ? "--no-transposed" : "");
  else if (c.output_size) parts.push(`--output-size ${axes(c.output_size)}`);
  else parts.push(`--output-padding ${axes(c.output_padding)}`);
  if (what === "animate" && c.mode !== "conv") parts.push(`--view ${view}`);
  if (what === "explain") parts.push(`--view ${matrix ? "matrix" : view}`);
  parts.push(`--lang ${lang}`);
  return parts.filter(Boolean).join(" ");
}

