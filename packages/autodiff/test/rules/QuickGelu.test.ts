import { ruleSuite } from '../helpers/rule-case.js';
import { QuickGelu } from './cases/unary.js';

ruleSuite('QuickGelu', QuickGelu);
