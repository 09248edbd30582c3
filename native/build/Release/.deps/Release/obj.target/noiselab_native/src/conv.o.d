cmd_Release/obj.target/noiselab_native/src/conv.o := g++ -o Release/obj.target/noiselab_native/src/conv.o ../src/conv.cc '-DNODE_GYP_MODULE_NAME=noiselab_native' '-DUSING_UV_SHARED=1' '-DUSING_V8_SHARED=1' '-DV8_DEPRECATION_WARNINGS=1' '-D_GLIBCXX_USE_CXX11_ABI=1' '-D_FILE_OFFSET_BITS=64' '-D_LARGEFILE_SOURCE' '-D__STDC_FORMAT_MACROS' '-DOPENSSL_NO_PINSHARED' '-DOPENSSL_THREADS' '-DBUILDING_NODE_EXTENSION' -I/usr/include/node -I/usr/src -I/usr/deps/openssl/config -I/usr/deps/openssl/openssl/include -I/usr/deps/uv/include -I/usr/deps/zlib -I/usr/deps/v8/include  -fPIC -pthread -Wall -Wextra -Wno-unused-parameter -m64 -O3 -fno-omit-frame-pointer -fno-exceptions -std=gnu++17 -O3 -march=native -std=c++17 -fno-exceptions -MMD -MF ./Release/.deps/Release/obj.target/noiselab_native/src/conv.o.d.raw   -c
Release/obj.target/noiselab_native/src/conv.o: ../src/conv.cc \
 ../src/kernels.h
../src/conv.cc:
../src/kernels.h:
