/**
 * The workspace tools on this machine's /bin/sh, with a real nginx configured as Coder's docs configure
 * it between the server and coderd (the simulator): fails if the PTY dial's request line grows past
 * what a stock nginx accepts (8 KB buffers, 414 beyond; DESIGN.md, "Reverse proxies in front of coderd").
 */
import { workspaceToolsSuite } from './workspace-suite';

workspaceToolsSuite(undefined, { throughNginx: true });
