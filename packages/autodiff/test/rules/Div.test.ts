import { ruleSuite } from '../helpers/rule-case.js';
import { Div } from './cases/binary.js';

ruleSuite('Div', Div);
