// libcurl, as the system installs it (Debian: libcurl4-openssl-dev).
#ifndef AERD_CCURL_H
#define AERD_CCURL_H

#include <curl/curl.h>

#endif
