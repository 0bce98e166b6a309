#!/bin/sh
# No service starts while a package is installed in an image build (as in Debian's container images).
exit 101
