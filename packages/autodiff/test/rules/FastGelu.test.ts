import { ruleSuite } from '../helpers/rule-case.js';
import { FastGelu } from './cases/unary.js';

ruleSuite('FastGelu', FastGelu);
