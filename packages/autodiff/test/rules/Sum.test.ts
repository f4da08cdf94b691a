import { ruleSuite } from '../helpers/rule-case.js';
import { Sum } from './cases/binary.js';

ruleSuite('Sum', Sum);
