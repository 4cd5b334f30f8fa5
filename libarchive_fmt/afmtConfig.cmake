# The CMake package afmt: the 0.1 name of the package archive_fmt, kept for
# one release.  afmt::archive_fmt and afmt::archive_fmt_static are the core
# and the importers together, as they were in 0.1; new code uses
# find_package(archive_fmt) and links archive_fmt::archive_fmt (the core) or
# archive_fmt::archive_fmt_import (the importers).
include(CMakeFindDependencyMacro)
find_dependency(archive_fmt ${afmt_FIND_VERSION} PATHS "${CMAKE_CURRENT_LIST_DIR}/.."
                NO_DEFAULT_PATH)
foreach(_afmt_t archive_fmt archive_fmt_static)
  if(NOT TARGET afmt::${_afmt_t})
    add_library(afmt::${_afmt_t} INTERFACE IMPORTED)
    string(REPLACE "archive_fmt" "archive_fmt_import" _afmt_i ${_afmt_t})
    set_target_properties(afmt::${_afmt_t} PROPERTIES
      INTERFACE_LINK_LIBRARIES "archive_fmt::${_afmt_i};archive_fmt::${_afmt_t}")
  endif()
endforeach()
unset(_afmt_t)
unset(_afmt_i)
