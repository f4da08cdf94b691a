import { ruleSuite } from '../helpers/rule-case.js';
import { SkipLayerNormalization } from './cases/norm.js';

ruleSuite('SkipLayerNormalization', SkipLayerNormalization);
