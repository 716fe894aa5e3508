# Detection power, proved: netconform runs correct and deliberately broken
# peers (fixtures/peers/) and shipped scenarios under a socket layer broken
# on purpose (fixtures/interpose/). Every broken run must fail with the
# check and message its case announces, and the same scenario must pass
# when nothing is broken. Included from harness/tests/CMakeLists.txt, which
# sets NC_BIN and defines nc_lock_fixed_ports; all tests run from the source
# root.

set(NC_PEERS_BIN ${PROJECT_BINARY_DIR}/fixtures/peers)
set(NC_PEERS_SRC ${PROJECT_SOURCE_DIR}/fixtures/peers)
set(NC_INTERPOSE_SRC ${PROJECT_SOURCE_DIR}/fixtures/interpose)

# nc_add_case_test(NAME LABEL COMMAND...)
# One ctest test, run from the source root. Exit status 77 means the case
# needs something this run lacks (packet capture), and shows as skipped.
function(nc_add_case_test name label)
  add_test(NAME ${name} COMMAND ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS ${label}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} TIMEOUT 60 SKIP_RETURN_CODE 77)
endfunction()

# The shipped program scenarios: every variant passes with the correct
# peers.
file(GLOB nc_program_scenarios CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/programs/*.scn)
foreach(scn ${nc_program_scenarios})
  get_filename_component(stem ${scn} NAME_WE)
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${scn})
  nc_add_case_test(peers.shipped.${stem} peers
    sh ${NC_SYSTEM}/outcome.sh pass ${rel} ${rel} --
    ${NC_BIN} --no-progress --color=never --exec-path ${NC_PEERS_BIN} ${rel})
  nc_lock_fixed_ports(peers.shipped.${stem} ${scn})
endforeach()

# One scenario per fault: it passes with the correct peer ("correct") and
# fails as announced with the faulty build of the same program ("faulty").
file(GLOB nc_peer_cases CONFIGURE_DEPENDS ${NC_PEERS_SRC}/scenarios/*.scn)
foreach(scn ${nc_peer_cases})
  get_filename_component(stem ${scn} NAME_WE)
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${scn})
  foreach(mode correct faulty)
    nc_add_case_test(peers.${stem}.${mode} peers
      sh ${NC_PEERS_SRC}/run-case.sh ${NC_BIN} ${NC_PEERS_BIN} ${rel} ${mode})
    nc_lock_fixed_ports(peers.${stem}.${mode} ${scn})
  endforeach()
endforeach()

# The peers' own error handling: bad arguments, and the safety alarm that
# ends a peer nobody talks to (it takes PEER_LIFETIME_S, ten seconds).
foreach(check usage alarm)
  nc_add_case_test(peers.errors.${check} peers
    sh ${NC_PEERS_SRC}/check-errors.sh ${NC_PEERS_BIN} ${check})
endforeach()

# Shipped scenarios under libnc_interpose.so: with NC_INTERPOSE_FAULT=none
# they pass ("control"), with the case's fault they fail as announced
# ("faulty").
file(GLOB nc_interpose_cases CONFIGURE_DEPENDS ${NC_INTERPOSE_SRC}/scenarios/*.case)
foreach(case_file ${nc_interpose_cases})
  get_filename_component(stem ${case_file} NAME_WE)
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${case_file})
  file(STRINGS ${case_file} scn_line REGEX "^# scenario: ")
  string(REGEX REPLACE "^# scenario: *" "" scn "${scn_line}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${case_file})
  foreach(mode control faulty)
    nc_add_case_test(interpose.${stem}.${mode} interpose
      sh ${NC_INTERPOSE_SRC}/run-case.sh ${NC_BIN} $<TARGET_FILE:nc_interpose> ${rel} ${mode})
    if(EXISTS ${PROJECT_SOURCE_DIR}/${scn})
      nc_lock_fixed_ports(interpose.${stem}.${mode} ${PROJECT_SOURCE_DIR}/${scn})
    endif()
  endforeach()
endforeach()
