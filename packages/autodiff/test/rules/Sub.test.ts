import { ruleSuite } from '../helpers/rule-case.js';
import { Sub } from './cases/binary.js';

ruleSuite('Sub', Sub);
