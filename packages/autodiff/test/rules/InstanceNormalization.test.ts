import { ruleSuite } from '../helpers/rule-case.js';
import { InstanceNormalization } from './cases/norm.js';

ruleSuite('InstanceNormalization', InstanceNormalization);
