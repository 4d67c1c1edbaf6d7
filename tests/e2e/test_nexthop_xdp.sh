#!/bin/bash
exec "$(dirname "$0")/test_nexthop.sh" xdp
