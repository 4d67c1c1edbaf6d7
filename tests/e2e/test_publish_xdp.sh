#!/bin/bash
exec "$(dirname "$0")/test_publish.sh" xdp
