<?php
// A plain-PHP receiver, as people write one with `php -S`: correct, or with the bug BUG names.
$bug = getenv('BUG') ?: 'none';
$secret = getenv('HMS_WEBHOOK_SECRET');
$raw = file_get_contents('php://input');
$timestamp = $_SERVER['HTTP_X_WEBHOOK_TIMESTAMP'] ?? '';
$given = str_replace('sha256=', '', $_SERVER['HTTP_X_WEBHOOK_SIGNATURE'] ?? '');
$signed = $bug === 'reserialise' ? json_encode(json_decode($raw)) : $raw;
$message = $bug === 'no-dot' ? $timestamp . $signed : $timestamp . '.' . $signed;
$expected = hash_hmac('sha256', $message, $secret);
$fresh = ctype_digit($timestamp) && ($bug === 'no-age' || abs(time() - intval($timestamp)) <= 300);
header('Content-Type: application/json');
if ($bug !== 'accept-all' && !($fresh && hash_equals($expected, $given))) {
  http_response_code(401);
  echo '{"error":"invalid signature"}';
  return;
}
$body = json_decode($raw, true);
if (!is_array($body)) {
  http_response_code(400);
  echo '{"error":"not JSON"}';
  return;
}
$type = $body['message']['type'] ?? '';
if ($type === 'tool-calls') {
  $results = [];
  foreach ($body['message']['tool_call_list'] ?? [] as $call) $results[] = ['tool_call_id' => $call['id'], 'result' => 'ok'];
  echo json_encode(['results' => $results]);
  return;
}
echo '{}';
