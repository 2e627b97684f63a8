/**
 * Seqs for records handed out by this instance: appended here or read from a stream. They order
 * records within the instance only; a record's place in its stream is its `ref`.
 */
export class LocalSeq {
  #last = 0;

  next(): number {
    return ++this.#last;
  }
}
