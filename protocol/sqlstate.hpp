// The SQLSTATE codes pgsteer puts in its own ErrorResponses, named as in PostgreSQL's errcodes.txt.
#pragma once

#include <string_view>

namespace pgsteer::protocol::sqlstate {

inline constexpr std::string_view successful_completion = "00000";
// Class 08: connection exception
inline constexpr std::string_view connection_exception = "08000";
inline constexpr std::string_view connection_does_not_exist = "08003";
inline constexpr std::string_view connection_failure = "08006";
inline constexpr std::string_view sqlclient_unable_to_establish_sqlconnection = "08001";
inline constexpr std::string_view sqlserver_rejected_establishment_of_sqlconnection = "08004";
inline constexpr std::string_view protocol_violation = "08P01";
inline constexpr std::string_view feature_not_supported = "0A000";
// Class 25: invalid transaction state
inline constexpr std::string_view invalid_transaction_state = "25000";
inline constexpr std::string_view active_sql_transaction = "25001";
inline constexpr std::string_view read_only_sql_transaction = "25006";
inline constexpr std::string_view in_failed_sql_transaction = "25P02";
inline constexpr std::string_view idle_in_transaction_session_timeout = "25P03";
inline constexpr std::string_view invalid_sql_statement_name = "26000";
// Class 28: authorization
inline constexpr std::string_view invalid_authorization_specification = "28000";
inline constexpr std::string_view invalid_password = "28P01";
inline constexpr std::string_view invalid_catalog_name = "3D000";
inline constexpr std::string_view serialization_failure = "40001";
inline constexpr std::string_view deadlock_detected = "40P01";
// Class 42: syntax error or access rule violation
inline constexpr std::string_view syntax_error = "42601";
inline constexpr std::string_view insufficient_privilege = "42501";
inline constexpr std::string_view undefined_object = "42704";
inline constexpr std::string_view duplicate_prepared_statement = "42P05";
// Class 53/54: insufficient resources, limits
inline constexpr std::string_view too_many_connections = "53300";
inline constexpr std::string_view out_of_memory = "53200";
inline constexpr std::string_view configuration_limit_exceeded = "53400";
inline constexpr std::string_view program_limit_exceeded = "54000";
inline constexpr std::string_view object_not_in_prerequisite_state = "55000";
// Class 57: operator intervention
inline constexpr std::string_view query_canceled = "57014";
inline constexpr std::string_view admin_shutdown = "57P01";
inline constexpr std::string_view crash_shutdown = "57P02";
inline constexpr std::string_view cannot_connect_now = "57P03";
inline constexpr std::string_view idle_session_timeout = "57P05";
inline constexpr std::string_view system_error = "58000";
inline constexpr std::string_view internal_error = "XX000";

}  // namespace pgsteer::protocol::sqlstate
