import { ruleSuite } from '../helpers/rule-case.js';
import { Cast } from './cases/unary.js';

ruleSuite('Cast', Cast);
