/**
 * Splits a stream of text into the JSON objects it holds, one after the other: newline-delimited
 * (JSON Lines) or simply concatenated (`{...}{...}`, which is how Amazon Data Firehose writes SES
 * event records to S3 unless a processor appends a delimiter), with any whitespace between them.
 * Each object is returned as its own text, exactly as it appears, for `JSON.parse` or the SES
 * event parser. It tracks only strings, escapes and brace depth (RFC 8259's grammar for where an
 * object ends), so it never builds values and holds at most one unfinished object.
 * @see https://docs.aws.amazon.com/firehose/latest/APIReference/API_Processor.html (`AppendDelimiterToRecord`:
 *   without it, records are written to S3 back to back)
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-2
 */
export class JsonObjectSplitter {
  #pending = '';
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** Characters consumed before `#pending`, for error offsets. */
  #offset = 0;
  /** Largest object accepted, in characters. */
  readonly #maxObjectChars: number;

  /** @param maxObjectChars largest object accepted (default 1,048,576 characters). */
  constructor(maxObjectChars = 1_048_576) {
    this.#maxObjectChars = maxObjectChars;
  }

  /**
   * Feeds the next piece of text; returns the objects it completed.
   * @throws {JsonSplitError} on text outside an object that is not whitespace, or an object too large.
   */
  push(text: string): string[] {
    const objects: string[] = [];
    let start = 0;
    const from = this.#pending.length;
    const buffer = this.#pending + text;
    for (let i = from; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (this.#depth === 0) {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
          start = i + 1;
          continue;
        }
        if (c !== 0x7b /* { */) {
          throw new JsonSplitError(
            `expected a JSON object at character ${this.#offset + i}, found ${JSON.stringify(buffer[i])}`,
          );
        }
        this.#depth = 1;
        start = i;
        continue;
      }
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === 0x5c /* \ */) this.#escaped = true;
        else if (c === 0x22 /* " */) this.#inString = false;
      } else if (c === 0x22) this.#inString = true;
      else if (c === 0x7b || c === 0x5b /* [ */) this.#depth++;
      else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        this.#depth--;
        if (this.#depth === 0) {
          if (i + 1 - start > this.#maxObjectChars) throw this.#tooLong();
          objects.push(buffer.slice(start, i + 1));
          start = i + 1;
        }
      }
    }
    if (this.#depth === 0) start = buffer.length;
    this.#offset += start;
    this.#pending = buffer.slice(start);
    if (this.#pending.length > this.#maxObjectChars) throw this.#tooLong();
    return objects;
  }

  #tooLong(): JsonSplitError {
    return new JsonSplitError(`a JSON object is longer than ${this.#maxObjectChars} characters`);
  }

  /**
   * Ends the text.
   * @throws {JsonSplitError} when it ends inside an object.
   */
  end(): void {
    if (this.#depth !== 0)
      throw new JsonSplitError(`the text ends inside a JSON object (at character ${this.#offset})`);
  }
}

/** The text is not a sequence of JSON objects. */
export class JsonSplitError extends Error {
  override readonly name = 'JsonSplitError';
}

/**
 * The JSON objects of one whole text (see {@link JsonObjectSplitter}).
 * @throws {JsonSplitError} when the text is not a sequence of JSON objects.
 */
export function splitJsonObjects(text: string, maxObjectChars?: number): string[] {
  const splitter = new JsonObjectSplitter(maxObjectChars);
  const objects = splitter.push(text);
  splitter.end();
  return objects;
}
