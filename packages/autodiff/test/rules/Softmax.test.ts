import { ruleSuite } from '../helpers/rule-case.js';
import { Softmax } from './cases/activation.js';

ruleSuite('Softmax', Softmax);
