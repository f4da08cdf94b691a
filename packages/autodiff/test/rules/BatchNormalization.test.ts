import { ruleSuite } from '../helpers/rule-case.js';
import { BatchNormalization } from './cases/activation.js';

ruleSuite('BatchNormalization', BatchNormalization);
