import { ruleSuite } from '../helpers/rule-case.js';
import { Where } from './cases/binary.js';

ruleSuite('Where', Where);
