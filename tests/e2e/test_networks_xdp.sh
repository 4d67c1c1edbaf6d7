#!/bin/bash
exec "$(dirname "$0")/test_networks.sh" xdp
