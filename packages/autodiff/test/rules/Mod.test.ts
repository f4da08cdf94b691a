import { ruleSuite } from '../helpers/rule-case.js';
import { Mod } from './cases/binary.js';

ruleSuite('Mod', Mod);
