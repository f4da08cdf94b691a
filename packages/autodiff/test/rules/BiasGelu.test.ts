import { ruleSuite } from '../helpers/rule-case.js';
import { BiasGelu } from './cases/unary.js';

ruleSuite('BiasGelu', BiasGelu);
