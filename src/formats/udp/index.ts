/** UDP event datagram codecs (SPIF, jAER). Live protocols: not in the file-format registry. */
export * from './spif.ts';
export * from './jaer.ts';
