// The matrix view's table: the paired convolution's matrix C (explain.js's matrixView), rows x and columns y, and
// what a pointed cell or header says (its row and column light up).

// "x0(0, 1)" (the library's label) → "0, 1"
export function labelIndex(label) { const m = /\(([^)]*)\)/.exec(label); return m ? m[1] : label; }

// The table of C: headers with data-row / data-col, data-role and data-index; non-zero entries marked.
export function matrixTable(C, corner) {
  const table = document.createElement("table");
  const thead = document.createElement("thead"), head = document.createElement("tr");
  const th0 = document.createElement("th"); th0.className = "corner"; th0.textContent = corner;
  head.append(th0);
  C.col_labels.forEach((label, j) => {
    const th = document.createElement("th"); th.textContent = label;
    th.dataset.col = String(j); th.dataset.role = "output"; th.dataset.index = labelIndex(label).replace(/\s/g, "");
    head.append(th);
  });
  thead.append(head); table.append(thead);
  const tbody = document.createElement("tbody");
  C.values.forEach((row, r) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th"); th.textContent = C.row_labels[r];
    th.dataset.row = String(r); th.dataset.role = "input"; th.dataset.index = labelIndex(C.row_labels[r]).replace(/\s/g, "");
    tr.append(th);
    row.forEach((v, j) => {
      const td = document.createElement("td"); td.textContent = String(v);
      td.dataset.row = String(r); td.dataset.col = String(j); td.dataset.role = C.roles[r][j];
      if (C.roles[r][j] === "matrix") td.classList.add("nz");
      tr.append(td);
    });
    tbody.append(tr);
  });
  table.append(tbody);
  return table;
}

// What a cell of the table is, in words (`t`: the page's words), its row and column lit.
export function matrixInfo(el, { C, equations: eqs }, t) {
  const table = el.closest("table");
  const row = el.dataset.row === undefined ? null : Number(el.dataset.row);
  const col = el.dataset.col === undefined ? null : Number(el.dataset.col);
  if (col !== null) for (const o of table.querySelectorAll(`[data-col="${col}"]`)) o.classList.add("linked");
  if (row !== null) for (const o of table.querySelectorAll(`[data-row="${row}"]`)) o.classList.add("linked");
  const x = row === null ? null : `x(${labelIndex(C.row_labels[row])})`;
  const yIndex = col === null ? null : labelIndex(C.col_labels[col]);
  const sum = col === null ? null : (eqs[yIndex.replace(/\s/g, "")] || `y(${yIndex})`);
  if (row !== null && col !== null) {
    const v = C.values[row][col];
    return { what: C.roles[row][col] === "matrix" ? t("d_entry", x, `y(${yIndex})`, v) : t("d_no_entry", x, `y(${yIndex})`),
             detail: t("d_output", sum) };
  }
  if (col !== null) return { what: t("d_output", sum) };
  const reach = C.roles[row].filter((role) => role === "matrix").length;
  return { what: t("d_input", x, ""), detail: t("d_reach", reach) };
}

