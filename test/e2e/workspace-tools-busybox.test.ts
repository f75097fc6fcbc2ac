/** The workspace tools on busybox ash with busybox applets only, as on Alpine images. */
import { busyboxImage } from '../helpers/busybox';
import { workspaceToolsSuite } from './workspace-suite';

workspaceToolsSuite(busyboxImage);
