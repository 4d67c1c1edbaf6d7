#!/bin/bash
exec "$(dirname "$0")/test_network_update.sh" xdp
