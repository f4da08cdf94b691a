import { ruleSuite } from '../helpers/rule-case.js';
import { Split } from './cases/shape.js';

ruleSuite('Split', Split);
