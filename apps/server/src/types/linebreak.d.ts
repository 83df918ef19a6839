/** The Unicode line breaking algorithm (UAX #14) that pdfkit wraps text with; the package ships no types. */
declare module 'linebreak' {
  interface Break {
    /** Index in the text just after the break opportunity. */
    position: number;
    /** A mandatory break (a newline). */
    required: boolean;
  }
  class LineBreaker {
    constructor(text: string);
    nextBreak(): Break | null;
  }
  export default LineBreaker;
}
