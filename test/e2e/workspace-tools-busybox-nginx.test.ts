/**
 * The workspace tools on busybox ash with busybox applets only, with a real nginx configured as Coder's
 * docs configure it between the server and coderd (the simulator): fails if the PTY dial's request line
 * grows past what a stock nginx accepts (8 KB buffers, 414 beyond; DESIGN.md, "Reverse proxies in front of coderd").
 */
import { busyboxImage } from '../helpers/busybox';
import { workspaceToolsSuite } from './workspace-suite';

workspaceToolsSuite(busyboxImage, { throughNginx: true });
