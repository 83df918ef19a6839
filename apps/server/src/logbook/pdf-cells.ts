import LineBreaker from 'linebreak';

/** A glyph's advance and offset from pdfkit's font layout, in thousandths of an em. */
interface GlyphPosition {
  xAdvance: number;
  advanceWidth: number;
  xOffset: number;
  yOffset: number;
}

/**
 * The part of pdfkit's embedded font that drawing a cell uses. pdfkit's own `text()` goes through these
 * same methods; its types do not declare them, so they are checked once when the writer starts.
 */
interface EmbeddedFont {
  id: string;
  ascender: number;
  encode(text: string): [string[], GlyphPosition[]];
  widthOfString(text: string, size: number): number;
  lineHeight(size: number, includeGap?: boolean): number;
  ref(): unknown;
}

/** One line of a cell to draw: its text and its top-left corner. */
export interface CellLine {
  text: string;
  x: number;
  y: number;
}

/** Entries a cache may hold before it starts again: enough for every repeated text of a long logbook. */
const CACHE_LIMIT = 20_000;

/**
 * Characters of dates, times and figures. Each of those texts is new (a quarter has a hundred thousand
 * times of day), so they are put together from their characters' glyphs, once the font is known to
 * neither kern nor substitute between any two of them.
 */
const FIGURE_CHARS = '0123456789:/.,-';

/** A figure character's glyph (hex, as pdfkit encodes it) and advance, in thousandths of an em. */
interface FigureGlyph {
  hex: string;
  advance: number;
}

/** A number as pdfkit writes it into a content stream. */
function num(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}

function isEmbeddedFont(f: unknown): f is EmbeddedFont {
  const x = f as Partial<EmbeddedFont> | undefined;
  return !!x && typeof x.id === 'string' && typeof x.encode === 'function' && typeof x.ref === 'function' && typeof x.widthOfString === 'function' && typeof x.lineHeight === 'function';
}

/**
 * Table cells for a pdfkit document, drawn and measured fast. pdfkit's `text()` lays out, encodes and
 * writes each call on its own (half a dozen content-stream writes each), which for a quarter's logbook of
 * 1.7 million cells cost most of the export. Here a row's lines go out in one text object written at once,
 * each distinct text is encoded once (the glyph runs pdfkit would write, kerning included), and wrapping
 * is done from cached word widths. The glyphs are registered in the font subset by the same encoder, so the
 * document's fonts and extractable text are what `text()` gives.
 */
export class PdfCells {
  private readonly fonts = new Map<string, EmbeddedFont>();
  /** Font name + text → the TJ operator for it, or null when a glyph is offset (pdfkit then draws it). */
  private readonly runs = new Map<string, string | null>();
  /** Font name + word → its width at 1 pt. */
  private readonly widths = new Map<string, number>();
  /** Per font: each figure character's glyph, or null when the font shapes them in pairs. */
  private readonly figures = new Map<string, Map<string, FigureGlyph> | null>();

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    fontNames: readonly string[],
  ) {
    for (const name of fontNames) {
      doc.font(name);
      const font = (doc as unknown as { _font?: unknown })._font;
      if (!isEmbeddedFont(font)) throw new Error(`pdfkit: font ${name} is not an embedded font with the expected methods`);
      this.fonts.set(name, font);
    }
  }

  private font(name: string): EmbeddedFont {
    const font = this.fonts.get(name);
    if (!font) throw new Error(`pdfkit: font ${name} was not registered with the cell writer`);
    return font;
  }

  /** The height pdfkit gives a line of text at `size`, gap included. */
  lineHeight(fontName: string, size: number): number {
    return this.font(fontName).lineHeight(size, true);
  }

  /** Width of `text` at `size`, as pdfkit's `widthOfString` measures it, word by word. */
  width(fontName: string, text: string, size: number): number {
    let sum = 0;
    let start = 0;
    // pdfkit lays out a string in runs that end after each space; measuring the same runs gives its width.
    for (let i = 0; i <= text.length; i++) {
      if (i === text.length || text.charCodeAt(i) === 32) {
        const end = i === text.length ? i : i + 1;
        if (end > start) sum += this.runWidth(fontName, text.slice(start, end));
        start = end;
      }
    }
    return sum * size;
  }

  private runWidth(fontName: string, run: string): number {
    const glyphs = this.figureGlyphs(fontName, run);
    if (glyphs) {
      let w = 0;
      for (let i = 0; i < run.length; i++) w += glyphs.get(run[i])!.advance;
      return w / 1000;
    }
    const key = `${fontName}\u0000${run}`;
    let w = this.widths.get(key);
    if (w === undefined) {
      w = this.font(fontName).widthOfString(run, 1);
      if (this.widths.size >= CACHE_LIMIT) this.widths.clear();
      this.widths.set(key, w);
    }
    return w;
  }

  /**
   * `text` broken into lines no wider than `width` at `size`, as pdfkit's own wrapper breaks it: at the
   * Unicode line-break opportunities, each piece with its trailing spaces having to fit, and a piece
   * wider than a whole line cut where it must be, so nothing of it is lost.
   */
  wrap(fontName: string, text: string, width: number, size: number): string[] {
    const lines: string[] = [];
    let line = '';
    let left = width;
    const breaker = new LineBreaker(text);
    let from = 0;
    for (let bk = breaker.nextBreak(); bk; bk = breaker.nextBreak()) {
      let piece = text.slice(from, bk.position);
      from = bk.position;
      const w = this.width(fontName, piece, size);
      if (w > width) {
        // Wider than any line: fill what is left of this one, then whole lines, with as much as fits.
        let rest = piece;
        while (rest !== '') {
          const all = this.width(fontName, rest, size);
          let n = Math.max(0, Math.min(rest.length, Math.ceil(left / (all / rest.length))));
          while (n < rest.length && this.width(fontName, rest.slice(0, n + 1), size) <= left) n++;
          while (n > 0 && this.width(fontName, rest.slice(0, n), size) > left) n--;
          if (n === 0 && left < width) {
            lines.push(line);
            line = '';
            left = width;
            continue;
          }
          // Not even one character fits an empty line: it goes there anyway.
          n = Math.max(n, 1);
          const part = rest.slice(0, n);
          line += part;
          left -= this.width(fontName, part, size);
          rest = rest.slice(n);
          if (rest !== '') {
            lines.push(line);
            line = '';
            left = width;
          }
        }
      } else if (w > left) {
        lines.push(line);
        line = piece;
        left = width - w;
      } else {
        line += piece;
        left -= w;
      }
      if (bk.required) {
        lines.push(line);
        line = '';
        left = width;
      }
    }
    if (line !== '' || !lines.length) lines.push(line);
    return lines.map((l) => l.replace(/\s+$/, ''));
  }

  /** The TJ operator that shows `text` in the font, as pdfkit builds it; null when a glyph is offset. */
  private run(fontName: string, text: string): string | null {
    const glyphs = this.figureGlyphs(fontName, text);
    if (glyphs) {
      let hex = '';
      for (let i = 0; i < text.length; i++) hex += glyphs.get(text[i])!.hex;
      return `[<${hex}> 0] TJ`;
    }
    const key = `${fontName}\u0000${text}`;
    const known = this.runs.get(key);
    if (known !== undefined) return known;
    const [encoded, positions] = this.font(fontName).encode(text);
    const parts: string[] = [];
    let last = 0;
    let offset = false;
    const segment = (end: number) => {
      if (last < end) parts.push(`<${encoded.slice(last, end).join('')}> ${num(-(positions[end - 1].xAdvance - positions[end - 1].advanceWidth))}`);
      last = end;
    };
    for (let i = 0; i < positions.length && !offset; i++) {
      const p = positions[i];
      if (p.xOffset || p.yOffset) offset = true;
      else if (p.xAdvance !== p.advanceWidth) segment(i + 1);
    }
    segment(positions.length);
    const op = offset ? null : `[${parts.join(' ')}] TJ`;
    if (this.runs.size >= CACHE_LIMIT) this.runs.clear();
    this.runs.set(key, op);
    return op;
  }

  /** The figure glyphs of the font when `text` is made of figure characters only; null otherwise. */
  private figureGlyphs(fontName: string, text: string): Map<string, FigureGlyph> | null {
    if (text === '') return null;
    for (let i = 0; i < text.length; i++) if (!FIGURE_CHARS.includes(text[i])) return null;
    let glyphs = this.figures.get(fontName);
    if (glyphs === undefined) {
      glyphs = this.learnFigures(this.font(fontName));
      this.figures.set(fontName, glyphs);
    }
    return glyphs;
  }

  /**
   * Lays out every figure character alone and every pair of them: when each pair comes out as the two
   * glyphs side by side (no kerning, ligature or mark offset), any string of them is those glyphs in a row.
   */
  private learnFigures(font: EmbeddedFont): Map<string, FigureGlyph> | null {
    const glyphs = new Map<string, FigureGlyph>();
    const plain = (p: GlyphPosition) => !p.xOffset && !p.yOffset && p.xAdvance === p.advanceWidth;
    for (const c of FIGURE_CHARS) {
      const [hex, pos] = font.encode(c);
      if (hex.length !== 1 || !plain(pos[0])) return null;
      glyphs.set(c, { hex: hex[0], advance: pos[0].xAdvance });
    }
    for (const a of FIGURE_CHARS) {
      for (const b of FIGURE_CHARS) {
        const [hex, pos] = font.encode(a + b);
        if (hex.length !== 2 || hex[0] !== glyphs.get(a)!.hex || hex[1] !== glyphs.get(b)!.hex || !pos.every(plain)) return null;
      }
    }
    return glyphs;
  }

  /**
   * Draws lines of text in one font and size, each with its top-left corner at (x, y) in pdfkit's
   * coordinates, in the current fill colour, as one text object.
   */
  draw(fontName: string, size: number, lines: readonly CellLine[]): void {
    const font = this.font(fontName);
    const doc = this.doc;
    const page = doc.page;
    const fonts = page.fonts as Record<string, unknown>;
    fonts[font.id] ??= font.ref();
    const height = page.height;
    const rise = (font.ascender / 1000) * size;
    // pdfkit's pages are drawn top-down; text is set bottom-up, as pdfkit's own text() flips it.
    let ops = `q\n1 0 0 -1 0 ${num(height)} cm\nBT\n/${font.id} ${num(size)} Tf\n`;
    const offset: CellLine[] = [];
    for (const line of lines) {
      if (line.text === '') continue;
      const op = this.run(fontName, line.text);
      if (op === null) {
        offset.push(line);
        continue;
      }
      ops += `1 0 0 1 ${num(line.x)} ${num(height - line.y - rise)} Tm\n${op}\n`;
    }
    ops += 'ET\nQ';
    doc.addContent(ops);
    if (offset.length) {
      doc.font(fontName).fontSize(size);
      for (const line of offset) doc.text(line.text, line.x, line.y, { lineBreak: false });
    }
  }
}
