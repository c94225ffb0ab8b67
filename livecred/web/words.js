// What the page says to the person: instructions for each challenge, live guidance, and the
// reasons a take failed, in plain words. The service sends stable codes only; the words live here.

export const INSTRUCTIONS = {
  smile: { title: "Smile", text: "Give a big smile, then relax your face." },
  blink: { title: "Close your eyes", text: "Close both eyes for a moment, then open them." },
  turn_left: { title: "Turn your head to your left", text: "Turn towards your own left shoulder, then look back at the camera." },
  turn_right: { title: "Turn your head to your right", text: "Turn towards your own right shoulder, then look back at the camera." },
  look_up: { title: "Look up", text: "Tilt your head up, then look back at the camera." },
  open_mouth: { title: "Open your mouth", text: "Open your mouth wide, then close it." },
};

export const PHASES = {
  connecting: { title: "Connecting…", text: "Opening a live connection to the service." },
  baseline: { title: "Look straight at the camera", text: "Keep a neutral face, eyes open, until you are asked to do something." },
  waiting: { title: "Relax, face the camera", text: "Keep a neutral face: the next instruction comes in a moment." },
  done: { title: "Checking…", text: "The service is checking your take." },
};

export const GUIDANCE = {
  face_not_found: "We cannot see your face: move into the oval, in good light.",
  multiple_faces: "Only one face, please: someone else is in the picture.",
  hold_neutral: "Hold a neutral face: no action until you are asked.",
  look_at_camera: "Look straight at the camera.",
};

export const REASONS = {
  stream_too_short: "The video was too short.",
  frame_rate_too_low: "Too few frames arrived each second (a slow device or connection).",
  frame_rate_too_high: "Frames arrived faster than a camera sends them.",
  stream_interrupted: "The video stopped for a moment.",
  face_lost: "Your face left the picture.",
  challenge_too_early: "An action started before it was asked for.",
  challenge_timeout: "An action was not done in time.",
  unrequested_action: "Something other than the requested action was seen.",
  not_neutral: "Your face was not neutral when the instruction came.",
  capture_timeout: "The check took too long.",
  repeated_frame: "The camera sent the same picture again (a still image or a looped video?).",
  discontinuity: "The video jumped, as in a cut or a change of face.",
  multiple_faces: "More than one face was in the picture.",
  spoof_detected: "The face did not look like a live person (a photo or a screen?).",
  not_enough_live_frames: "Too few clear, frontal pictures of your face.",
  no_parallax: "The head turn did not look like a real head turning (a flat picture?).",
  face_mismatch: "It was not the same person throughout.",
  id_mismatch: "Your face does not match the ID photo.",
};

export function describe(challenge) {
  return INSTRUCTIONS[challenge] || { title: challenge, text: `Please do: ${challenge}` };
}

export function reasonText(code) {
  return REASONS[code] || "A check failed.";
}
