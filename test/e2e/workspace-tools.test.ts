/** The workspace tools on this machine's /bin/sh (dash on Debian) with GNU coreutils. */
import { workspaceToolsSuite } from './workspace-suite';

workspaceToolsSuite();
