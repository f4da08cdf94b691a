import { ruleSuite } from '../helpers/rule-case.js';
import { Relu } from './cases/activation.js';

ruleSuite('Relu', Relu);
