import { ruleSuite } from '../helpers/rule-case.js';
import { Add } from './cases/binary.js';

ruleSuite('Add', Add);
