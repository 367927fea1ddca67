// How numbers are written: the mirror of tconv._format.format_number (Python's "%.4g" for floats, integral
// values without a fraction), held equal to it by tests/test_js_format.py.

// The exact decimal digits of a finite double (up to 100 significant: enough to tell an exact tie at 4 digits,
// since no double lies within 1e-100 of a decimal tie without being it) and the exponent of the first digit.
function exactDigits(v) {
  const [mantissa, exp] = Math.abs(v).toExponential(99).split("e");
  return { digits: mantissa.replace(".", "").replace(/0+$/, "") || "0", exp: Number(exp) };
}

// Rounded to `places` significant digits, half to even on exact ties (Python's rule; JavaScript's toPrecision
// rounds ties up).
function roundDigits(v, places) {
  let { digits, exp } = exactDigits(v);
  if (digits.length > places) {
    const head = digits.slice(0, places), rest = digits.slice(places);
    const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || Number(head.at(-1)) % 2 === 1));
    let n = BigInt(head) + (up ? 1n : 0n);
    digits = n.toString();
    if (digits.length > places) { digits = digits.slice(0, places); exp += 1; }
  }
  return { digits: digits.padEnd(places, "0"), exp };
}

export function formatNumber(v) {
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v !== "number") return String(v);
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v === 0 ? 0 : v);
  const sign = v < 0 ? "-" : "";
  const { digits, exp } = roundDigits(v, 4);
  const trimmed = digits.replace(/0+$/, "");
  if (exp < -4 || exp >= 4) {
    const mant = trimmed.length > 1 ? `${trimmed[0]}.${trimmed.slice(1)}` : trimmed;
    return `${sign}${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${trimmed}`;
  const whole = trimmed.slice(0, exp + 1).padEnd(exp + 1, "0"), frac = trimmed.slice(exp + 1);
  return frac ? `${sign}${whole}.${frac}` : `${sign}${whole}`;
}
