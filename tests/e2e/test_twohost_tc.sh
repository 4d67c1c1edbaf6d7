#!/bin/bash
exec "$(dirname "$0")/twohost.sh" tc
