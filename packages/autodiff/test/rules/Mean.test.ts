import { ruleSuite } from '../helpers/rule-case.js';
import { Mean } from './cases/binary.js';

ruleSuite('Mean', Mean);
