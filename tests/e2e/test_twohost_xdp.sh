#!/bin/bash
exec "$(dirname "$0")/twohost.sh" xdp wire
