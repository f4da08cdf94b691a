import { ruleSuite } from '../helpers/rule-case.js';
import { Einsum } from './cases/linear.js';

ruleSuite('Einsum', Einsum);
