/** Model files: schema, loader, saver and input mapping. */
export * from './schema.ts';
export { ModelFileError } from './errors.ts';
export { loadModel, parseModel } from './loader.ts';
export { saveModel, serializeModel } from './saver.ts';
export { EventInputMapper, encodeImage, inputMappingShape } from './input-mapping.ts';
