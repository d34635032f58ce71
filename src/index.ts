/** Programmatic API of spikestream. */
export * from './events/index.ts';
export type { EventDecoder, EventEncoder, FormatSpec, DecoderOptions } from './formats/types.ts';
export { FORMATS, getFormat, detectFormat } from './formats/registry.ts';
export type { Prediction, EnergyCounters } from './protocol/prediction.ts';
export { version } from './version.ts';
export * from './snn/index.ts';
export * from './model/index.ts';
export * from './energy/index.ts';
export * from './operators/index.ts';
export * from './datasets/index.ts';
export * from './emulation/index.ts';
export * from './formats/evt2/index.ts';
export * from './formats/evt21/index.ts';
export * from './formats/evt3/index.ts';
export * from './formats/dat/index.ts';
export * from './formats/aedat2/index.ts';
export * from './formats/aedat3/index.ts';
export * from './formats/aedat4/index.ts';
export * from './formats/nmnist/index.ts';
export * from './formats/es/index.ts';
export * from './formats/csv/index.ts';
export * from './formats/open.ts';
export {
  classify,
  Classifier,
  type ClassifierOptions,
  type ClassifierNetwork,
  type WindowPolicy,
  type DecisionPolicy,
  parseWindowSpec,
  describeWindow,
  describeDecision,
} from './operators/classify/index.ts';
export { StreamServer, type StreamServerOptions, type ServedModel } from './server/server.ts';
export { SourceRunner, type SourceRunnerOptions } from './server/source-runner.ts';
export {
  PROTOCOL_VERSION,
  STREAM_PATH,
  TOPICS,
  type Topic,
  type WireFormat,
  type ServerMessage,
  type ClientMessage,
  type HelloMessage,
  type PredictionMessage,
  type MetricsMessage,
  type EventsMessage,
  predictionMessage,
  predictionFromMessage,
} from './protocol/messages.ts';
export {
  encodeServerMessage,
  decodeServerMessage,
  encodeClientMessage,
  decodeClientMessage,
  ProtocolError,
} from './protocol/codec.ts';
