import { ruleSuite } from '../helpers/rule-case.js';
import { Mul } from './cases/binary.js';

ruleSuite('Mul', Mul);
