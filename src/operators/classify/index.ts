/** Streaming classification: windows, decisions and Prediction assembly over a compiled network. */
export {
  Classifier,
  type ClassifierNetwork,
  type ClassifierOptions,
  CMOS45NM,
  type CostTable,
} from './classifier.ts';
export { checkInputMapping } from './input-map.ts';
export { type ClassifyStreamOptions, classify } from './operator.ts';
export {
  type ActivityWindow,
  type CountWindow,
  type DecisionPolicy,
  describeDecision,
  describeWindow,
  type FirstSpikeDecision,
  type FixedWindow,
  parseDurationUs,
  parseWindowSpec,
  type SlidingWindow,
  type SpikeCountDecision,
  validateDecision,
  validateWindow,
  type WindowPolicy,
} from './policies.ts';
export { type LabelInterval, LabelTimeline } from './labels.ts';
