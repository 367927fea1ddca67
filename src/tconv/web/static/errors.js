// The engine's refusal: the mirror of tconv.TconvError. It carries its message in both languages; `message` is
// the one asked for. The English text is the library's own message, word for word (tests hold them equal).
export class EngineError extends Error {
  constructor(en, zh, lang = "en", parameter = null) {
    super(lang === "zh" ? zh : en);
    this.name = "EngineError";
    this.en = en;
    this.zh = zh;
    this.parameter = parameter;
  }
}

// Throw an EngineError: refuse("…", "…", lang, "stride").
export function refuse(en, zh, lang = "en", parameter = null) {
  throw new EngineError(en, zh, lang, parameter);
}
