# Build, test, run and install aerd.
#
#   make && sudo make install          release build, then /usr/local/bin/aerd, the unit, example config in /etc/aerd
#   make install PREFIX=/usr DESTDIR=/tmp/pkg    staged install, for packaging
#   make install BIN=.build/debug/aerd           install an already-built binary instead of building
#   make uninstall                     removes binary, unit and documentation; keeps /etc/aerd and the state
#   make test                          the whole test suite (scripts/test)
#   make run                           aerd on the example config in the foreground (scripts/run)

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
DOCDIR  ?= $(PREFIX)/share/doc/aerd
# /etc/systemd/system for a local install; packages use /lib/systemd/system.
UNITDIR ?= /etc/systemd/system
# systemd's ConfigurationDirectory=aerd is always /etc/aerd, whatever the prefix.
CONFDIR := /etc/aerd
BIN     ?= .build/release/aerd
SWIFT   ?= swift
INSTALL ?= install

# What the installed example config reads from systemd credentials instead of the environment.
CREDENTIALS_SED = -e 's|$${env:AERD_ADMIN_TOKEN}|$${file:admin_token}|' \
                  -e 's|$${env:AERD_WRITE_KEY}|$${file:write_key}|' \
                  -e 's|^\# Run with AERD_ADMIN_TOKEN and AERD_WRITE_KEY set:.*|\# Secrets: LoadCredential= in aerd.service (files in $(CONFDIR)/credentials/).|'

RELEASE_BUILD = $(SWIFT) build -c release --product aerd

.PHONY: all build install uninstall test run

all: build

# swift build decides what is out of date.
build:
	$(RELEASE_BUILD)

# install builds only when there is no binary yet, so that `sudo make install` after `make` never builds as root;
# a BIN given on the command line has no rule and is used as it is.
.build/release/aerd:
	$(RELEASE_BUILD)

install: $(BIN)
	$(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/aerd
	sed -e 's|/usr/local/bin/aerd|$(BINDIR)/aerd|g' -e 's|/usr/local/share/doc/aerd|$(DOCDIR)|g' systemd/aerd.service \
		> $(DESTDIR)$(UNITDIR)/aerd.service.tmp
	chmod 0644 $(DESTDIR)$(UNITDIR)/aerd.service.tmp
	mv $(DESTDIR)$(UNITDIR)/aerd.service.tmp $(DESTDIR)$(UNITDIR)/aerd.service
	$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	$(INSTALL) -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	$(INSTALL) -m 0644 config/examples/* Plugins/Exec/examples/* $(DESTDIR)$(DOCDIR)/examples/
	$(INSTALL) -d -m 0700 $(DESTDIR)$(CONFDIR)/credentials
	@if [ -e $(DESTDIR)$(CONFDIR)/aerd.yaml ]; then \
		echo "kept the existing $(CONFDIR)/aerd.yaml and left $(CONFDIR) as it was"; \
	else \
		set -e; \
		for directory in $$(cd config && find segments strategies templates -type d); do \
			$(INSTALL) -d -m 0755 $(DESTDIR)$(CONFDIR)/$$directory; \
		done; \
		for file in $$(cd config && find segments strategies templates -type f); do \
			$(INSTALL) -m 0644 config/$$file $(DESTDIR)$(CONFDIR)/$$file; \
		done; \
		sed $(CREDENTIALS_SED) config/aerd.yaml > $(DESTDIR)$(CONFDIR)/aerd.yaml; \
		chmod 0644 $(DESTDIR)$(CONFDIR)/aerd.yaml; \
		echo "installed the example configuration in $(CONFDIR); put the secrets in $(CONFDIR)/credentials/write_key and admin_token"; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/aerd $(DESTDIR)$(UNITDIR)/aerd.service
	rm -rf $(DESTDIR)$(DOCDIR)
	@echo "kept $(CONFDIR) (configuration and credentials) and /var/lib/aerd (state); remove them by hand if wanted"

test:
	scripts/test

run:
	scripts/run
