// Non-variadic wrappers for libcurl's variadic entry points, which Swift cannot call.
// One wrapper per argument type, so the C compiler passes each value with the type curl reads it as.
#ifndef AERD_CCURL_SHIM_H
#define AERD_CCURL_SHIM_H

#include <curl/curl.h>

/// curl_easy_setopt for options that take a `long` (flags, timeouts, enum values).
CURLcode aerd_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);

/// curl_easy_setopt for options that take a `curl_off_t` (the *_LARGE sizes).
CURLcode aerd_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);

/// curl_easy_setopt for options that take a NUL-terminated string; curl copies it.
CURLcode aerd_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);

/// curl_easy_setopt for options that take an object pointer (callback data, `struct curl_slist *`, buffers).
CURLcode aerd_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);

/// curl_easy_setopt(CURLOPT_READFUNCTION): the callback that supplies upload data.
CURLcode aerd_curl_easy_setopt_read_function(CURL *handle, curl_read_callback callback);

/// curl_easy_setopt for CURLOPT_WRITEFUNCTION or CURLOPT_HEADERFUNCTION, which share a signature.
CURLcode aerd_curl_easy_setopt_write_function(CURL *handle, CURLoption option, curl_write_callback callback);

/// curl_easy_setopt(CURLOPT_DEBUGFUNCTION).
CURLcode aerd_curl_easy_setopt_debug_function(CURL *handle, curl_debug_callback callback);

/// curl_easy_getinfo for CURLINFO_LONG items.
CURLcode aerd_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);

/// curl_easy_getinfo for CURLINFO_STRING items; the string belongs to the handle.
CURLcode aerd_curl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);

/// curl_global_init(CURL_GLOBAL_DEFAULT), whose flag is a macro Swift cannot see through.
CURLcode aerd_curl_global_init_default(void);

/// curl_version_info(CURLVERSION_NOW), whose argument is a macro.
curl_version_info_data *aerd_curl_version_info_now(void);

#endif
