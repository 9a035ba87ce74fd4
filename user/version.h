/* SPDX-License-Identifier: MIT */
#ifndef GOSCOPE_VERSION_H
#define GOSCOPE_VERSION_H

#define GOSCOPE_VERSION "0.1.0"

#endif
