#pragma once
/// @file
/// The library, the tokio-style reactor and its sockets: `<gentask/gentask.hpp>`,
/// `gentask::tokio_style` and `gentask::net`.

#include <gentask/gentask.hpp>
#include <gentask/net/endpoint.hpp>
#include <gentask/net/errors.hpp>
#include <gentask/net/io_source.hpp>
#include <gentask/net/tcp_listener.hpp>
#include <gentask/net/tcp_stream.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>
