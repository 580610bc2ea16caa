# pgsteer_add_test(NAME name LABEL unit|integration SOURCES ... LIBS ... [PROPERTIES ...])
# One Boost.Test executable registered with CTest under a label, so `ctest -L unit` and
# `ctest -L integration` select them. Integration tests get PGSTEER_SOURCE_DIR and
# PGSTEER_BINARY_DIR so they can find the cluster harness and the pgsteer executable.
function(pgsteer_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} Boost::unit_test_framework)
  target_compile_definitions(${T_NAME} PRIVATE BOOST_TEST_DYN_LINK
    PGSTEER_SOURCE_DIR="${CMAKE_SOURCE_DIR}" PGSTEER_BINARY_DIR="${CMAKE_BINARY_DIR}")
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} --log_level=test_suite --report_level=short)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT})
  if(T_LABEL STREQUAL "integration")
    # Each integration binary brings up its own cluster; running two at once would only
    # fight over two cores.
    set_tests_properties(${T_NAME} PROPERTIES RUN_SERIAL ON)
  endif()
endfunction()
