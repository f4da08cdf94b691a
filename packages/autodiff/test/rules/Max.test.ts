import { ruleSuite } from '../helpers/rule-case.js';
import { Max } from './cases/binary.js';

ruleSuite('Max', Max);
