# NetconformScenarios.cmake: register scenario files as ctest tests.
#
#   netconform_add_scenarios(DIR
#     [EXECUTABLE path]      netconform to run (default: the netconform target,
#                            or netconform::netconform from find_package)
#     [PREFIX text]          test name prefix (default "scenario.")
#     [LABELS label...]      labels besides "scenario" and the scenario's group
#     [ARGS arg...])         netconform run options for every test, such as
#                            --timeout-scale 2 or --exec-path DIR
#
# Every variant of every scenario file under DIR becomes one test, named
# like "scenario.udp/hello-bye[inet6]", labelled "scenario", with a ctest
# timeout above netconform's own. The variants are listed when ctest starts
# (netconform list --ctest), not when CMake configures, so adding a
# scenario file needs no reconfiguration. Pcap files go under
# <build dir>/netconform-reports/.

function(netconform_add_scenarios dir)
  cmake_parse_arguments(NCS "" "EXECUTABLE;PREFIX" "LABELS;ARGS" ${ARGN})
  if(NOT NCS_EXECUTABLE)
    if(TARGET netconform::netconform)
      set(NCS_EXECUTABLE "$<TARGET_FILE:netconform::netconform>")
    elseif(TARGET netconform)
      set(NCS_EXECUTABLE "$<TARGET_FILE:netconform>")
    else()
      message(FATAL_ERROR "netconform_add_scenarios: no netconform executable "
        "(find_package(netconform) first, or pass EXECUTABLE)")
    endif()
  endif()
  if(NOT NCS_PREFIX)
    set(NCS_PREFIX "scenario.")
  endif()
  get_filename_component(abs "${dir}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  string(MD5 key "${abs}")
  string(SUBSTRING "${key}" 0 12 key)
  set(list_file "${CMAKE_CURRENT_BINARY_DIR}/netconform_${key}_tests.cmake")
  set(script "${CMAKE_CURRENT_BINARY_DIR}/netconform_${key}_include.cmake")
  set(reports "${CMAKE_CURRENT_BINARY_DIR}/netconform-reports")
  list(JOIN NCS_LABELS "\;" labels)
  set(extra "")
  foreach(a IN LISTS NCS_ARGS)
    string(APPEND extra " [==[${a}]==]")
  endforeach()
  if(labels)
    string(APPEND extra " --ctest-labels [==[${labels}]==]")
  endif()
  # ctest includes this script before it runs anything: it asks netconform
  # for the variants and includes the add_test() lines it prints. A scenario
  # file that does not parse still gets its test, which reports the error.
  file(GENERATE OUTPUT "${script}" CONTENT "
execute_process(
  COMMAND [==[${NCS_EXECUTABLE}]==] list --ctest --ctest-prefix [==[${NCS_PREFIX}]==]
          --reports [==[${reports}]==] ${extra} [==[${abs}]==]
  WORKING_DIRECTORY [==[${CMAKE_CURRENT_BINARY_DIR}]==]
  OUTPUT_FILE [==[${list_file}]==]
  ERROR_VARIABLE nc_err
  RESULT_VARIABLE nc_rc)
if(NOT nc_rc EQUAL 0 AND NOT nc_rc EQUAL 2)
  message(WARNING \"netconform could not list the scenarios in ${abs}: \${nc_err}\")
endif()
include([==[${list_file}]==] OPTIONAL)
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${script}")
endfunction()
