"""Relevance of suggestions: does the question being typed, or its real duplicate, show in the top five?

Run from the repository root (about a minute):

    .venv/bin/python bench/eval_relevance.py [--distractors 5000] [--seed 1]

The evaluation set is written by hand below: pairs of questions asking the same thing in
different words, as members of a consumer-electronics brand's community write them. Both
halves of every pair are indexed through the app's own code (models, build_document,
reindex) among thousands of distractor questions on the same products, then:

* half-typed: the first half of a title's words, the last one cut short -> is that question
  in the top five? (every pair question is a query)
* duplicates: the full title of one half -> is the other half in the top five, the question
  itself excluded? (both directions of every pair)

Scores are success@5 and MRR@5 (1/rank of the wanted question within the first five, else 0).
The pairs are split by a fixed shuffle into a tuning half, the only one looked at while
trying alternatives, and a held-out half that shows whether a change generalises.
"""
import argparse
import html
import math
import random
import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# bench/ is not a package: the app needs the repository root on the path, the vocabulary this folder.
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_search  # noqa: E402
from whoosh.qparser import MultifieldParser, OrGroup  # noqa: E402

SPLIT_SEED = 7  # fixed, so the tuning half stays the same whatever --seed says
TOP = 5

# The evaluation set: blocks of four lines (title, body, title, body), one pair per block. -----

PAIRS = """
My Lumen Buds won't connect to my laptop
They pair fine with my phone but Windows never finishes connecting, it just says "connecting" forever.
Laptop can't find the earbuds over Bluetooth
My Windows PC doesn't list the Buds when I search for devices, even with the case open and the light flashing white.

X200 speaker keeps disconnecting from my iPhone
Every ten minutes or so the speaker drops the connection and I have to reconnect manually from the Bluetooth menu.
Bluetooth drops out between phone and X200 every few minutes
Music stops randomly and the phone shows the speaker as not connected anymore. Happens in every room.

Soundbar has no sound from the TV over HDMI ARC
The S4 turns on with the TV but nothing plays through it. TV speakers are off and ARC is enabled.
S4 stays silent when connected with an HDMI cable to my television
Picture is fine but the soundbar outputs nothing, although the display says HDMI. Optical works.

Earbuds battery dies after an hour
A full charge used to last six hours, now the left bud is empty after about an hour of music.
Left earbud drains much faster than the right one
After a few months my left Buds Pro goes flat way sooner than the right, they were both charged overnight.

Charging case doesn't charge anymore
The case light doesn't come on when I plug in the USB-C cable, tried two different chargers.
Buds case shows no light when plugged in and stays empty
Case won't take power from any cable or wall adapter. Earbuds inside are not charging either.

How do I update the firmware on the X200?
I can't find where to install the latest firmware version for my speaker in the app.
Where is the software update option for the speaker?
The app says a new version is available for my X200 but there is no button to install it.

Firmware update stuck at 50 percent
The update for my soundbar has been sitting at 50% for over an hour, should I unplug it?
S4 update frozen halfway through installation
Progress bar hasn't moved for a long time while upgrading the soundbar software. Is it safe to turn it off?

Microphone doesn't work during calls
People on the other end can't hear me at all when I take calls with the Buds, music works fine.
Callers say they can't hear my voice with the earbuds
When I'm on a phone call the other person hears silence, but I can hear them perfectly.

Hub won't join my 5 GHz Wi-Fi network
Setup fails at the network step every time, my router only broadcasts 5 GHz.
Lumen Hub setup fails when connecting to the router
The app gets to "joining network" and then errors out. Password is definitely correct.

Audio is out of sync with video on the soundbar
Voices come slightly after the lips move when watching Netflix through the S4.
Lip sync delay when watching TV with the S4
There's a noticeable lag between picture and sound, especially with streaming apps.

Crackling noise at high volume on the X200
When I turn the speaker up past 70 percent there's a crackle on bass notes.
Speaker distorts when I turn it up loud
At higher levels the X200 starts to rattle and sound fuzzy, especially with hip hop.

Can I use the Buds with two phones at once?
I want to stay connected to my work phone and my personal phone simultaneously.
Does the earbuds support multipoint pairing?
Is it possible to have my laptop and my phone both connected so calls come through on either?

Noise cancelling stopped working on my Buds Pro
ANC used to block out the train noise, now it sounds the same whether it's on or off.
Active noise cancellation seems to do nothing anymore
Switching ANC on in the app makes no difference, I can hear everything around me.

The app doesn't detect my speaker
The Lumen app keeps searching and never finds the X200 even though it's paired in Bluetooth settings.
Lumen app can't see the X200 although phone is paired
Phone connects to the speaker and plays music, but the app says no devices found.

How to factory reset the soundbar?
I'm selling my S4 and want to wipe all settings and paired devices.
Restore the S4 to original settings before giving it away
What is the button combination to erase everything on the soundbar?

Only one earbud plays sound
The right bud works but the left one is silent even though both show as connected.
Left Bud silent, right one works fine
Music only comes out of one side. I cleaned the mesh and reset them, still nothing from the left.

Remote control doesn't work with the soundbar
The little remote that came with the S4 does nothing, I replaced the battery.
S4 ignores button presses on its remote
Volume and power buttons on the remote have no effect. The soundbar itself responds to its top buttons.

Speaker won't turn on at all
The X200 shows no lights and doesn't respond to the power button, even after charging overnight.
X200 completely dead, no power light
It was working yesterday, today nothing happens when I press power. Plugged in all night.

Hub goes offline every night
Every morning the app says the Lumen Hub is offline and I have to unplug it to get it back.
Lumen Hub loses connection overnight
The hub disconnects from Wi-Fi sometime during the night and doesn't reconnect by itself.

Can I return the earbuds after 30 days?
I bought the Buds 35 days ago and they hurt my ears, can I still get a refund?
Refund window for headphones bought last month
Is there any way to send back the earbuds if I'm a few days past the return period?

Warranty claim for cracked charging case
The hinge on my Buds case snapped, is that covered by the warranty?
Broken hinge on the case, does warranty cover it?
The lid of the charging case came off after six months of normal use. How do I get a replacement?

Soundbar turns off by itself
The S4 powers down in the middle of a movie, sometimes after 20 minutes.
S4 randomly shuts down while watching TV
The soundbar switches off on its own during films and I have to turn it back on.

Bass is too weak on the soundbar
Action movies sound thin, there is no punch at all even with the bass turned up.
How to get more low end from the S4?
The sound feels flat, I'd like deeper bass. Is there an EQ setting I'm missing?

Earbuds fall out when running
The Buds keep slipping out of my ears on my morning run.
Buds don't stay in my ears during exercise
When I jog or go to the gym they loosen and fall out. Are there other ear tip sizes?

Voice assistant won't activate with a tap
Tapping the bud twice used to start Google Assistant, now nothing happens.
Double tap on the earbuds doesn't trigger Assistant anymore
The gesture to wake the voice assistant stopped working after I changed phones.

The X200 gets very hot while charging
The bottom of the speaker is too hot to touch when it's on the charger.
Speaker overheating on the charging cable
Is it normal for the X200 to get this warm when charging? It smells slightly too.

Hub doesn't respond to Alexa commands
Alexa says the Lumen Hub is not responding when I ask it to turn off the lights.
Alexa can't control the Lumen Hub devices
The skill is enabled but voice commands to the hub fail with "device is unresponsive".

Echo during calls with the soundbar
When I use the S4 for video calls the other side hears their own voice back.
People hear themselves echo on video calls through S4
On Zoom calls routed through the soundbar, my colleagues complain about an echo.

Can't hear anything after the latest app update
Since updating the Lumen app yesterday my Buds have no sound at all.
Lost all audio on earbuds since app version 4.2
After the recent app release, the buds connect but no music or calls play.

Speaker volume is very low even at maximum
The X200 at full volume is barely louder than my phone speaker.
X200 maximum loudness is too quiet
Even with phone and speaker both at 100% the sound is quiet. It used to be much louder.

Earbuds won't pair after factory reset
I reset my Buds and now they don't go into pairing mode at all.
Reset the buds, now they won't show up for pairing
After resetting, the case light doesn't flash and my phone can't see them.

How do I connect the soundbar to a subwoofer?
I bought the wireless sub and don't know how to link it with the S4.
Pairing the wireless sub with S4
The subwoofer light is red and it won't connect to the soundbar, what am I missing?

The charging dock doesn't charge my X200
When I put the speaker on the dock nothing happens, the light stays off.
X200 won't charge on the dock but charges fine with cable
The cradle seems dead, though the speaker charges normally over USB-C.

Earbuds making a high pitched whistle
There's a squeal in the Buds Pro when I press them into my ears.
Whistling sound from Buds Pro with noise cancelling on
I hear a feedback whine when ANC is enabled, especially when I adjust the fit.

Ear pain after wearing the buds for an hour
My ears hurt after wearing the Lumen Buds, even with the smallest tips.
Buds uncomfortable, ears sore after a while
Any tips for comfort? After an hour my ear canals ache.

How to change the EQ on the X200?
I want to reduce the bass a bit, where are the equalizer settings?
Adjusting treble and bass on the speaker
Is there a way to tweak the sound profile of the X200, it's too boomy for me.

Soundbar display is too bright at night
The S4 front display lights up the whole room when I watch movies in the dark.
Dim the lights on the S4
Can I turn off or dim the LED panel on the soundbar? It is distracting.

Order hasn't shipped after two weeks
I ordered the X200 on the website 14 days ago and the status still says processing.
My order still says processing, no tracking number yet
When will my speaker ship? It's been over two weeks since I paid.

Package arrived but the box was empty
The shipping box for my Buds came with nothing inside.
Received an empty package instead of my earbuds
The parcel was delivered, but the product box was missing. What should I do?

Can't log in to the Lumen app
The app says my password is wrong but I reset it twice.
Lumen account login keeps failing
I get "invalid credentials" every time I try to sign in, even with the new password.

Two-factor code email never arrives
I'm stuck at the verification step because the code doesn't come to my inbox.
Not receiving the verification code for my account
The sign-in asks for a code sent by email but nothing shows up, not even in spam.

Buds Pro case won't close properly
The lid doesn't snap shut anymore, so the buds don't charge.
Case lid doesn't stay closed on Buds Pro
The magnet seems weak, the lid pops open and the earbuds drain in my bag.

X200 won't stereo pair with a second X200
I bought two speakers but can't link them for left and right channels.
How to link two X200 speakers together?
I want stereo sound from two X200s, the app option is greyed out.

Soundbar won't connect to Wi-Fi
The S4 fails to join my home network during setup in the app.
S4 can't join the wireless network
Setup stops with "unable to connect", other devices work fine on the same router.

Earbuds are very quiet on calls
I can barely hear people on calls while music is loud enough.
Call volume too low on the Buds
Phone calls are much quieter than music, even with volume at max on the phone.

Speaker sound cuts out when I walk into another room
As soon as I'm a few meters away, the X200 starts stuttering.
Short Bluetooth range on the X200
Audio skips if the phone is more than about three meters from the speaker, even in line of sight.

Water got into the X200
It was left outside in the rain and now sounds muffled. Isn't it waterproof?
Speaker sounds muffled after getting wet
My X200 fell in the pool for a few seconds and now the sound is dull.

Hub can't find my smart bulbs
The Lumen Hub scans but never discovers the Zigbee lights I bought.
Zigbee bulbs not detected by the hub
The hub says no new devices found, even when the bulbs are blinking in pairing mode.

Do the Buds work with a PS5?
Can I use the earbuds for game chat on PlayStation?
Using the earbuds with PlayStation 5
Will the Buds connect to my PS5 for game audio and chat, or do I need a dongle?

High latency when gaming with the earbuds
Sound lags behind the game on my phone, makes shooters unplayable.
Buds sound delayed in mobile games
There's a delay between what I see and hear in games. Is there a low latency mode?

App crashes when I open settings
The Lumen app closes immediately whenever I tap the settings gear on Android.
Lumen app force closes on the settings screen
Every time I go to device settings the app quits. Reinstalling didn't help.

S4 volume changes on its own
The soundbar suddenly gets louder or quieter without me touching anything.
Soundbar volume jumps up and down randomly
While watching TV the volume changes by itself, sometimes very loud.

Buds keep switching between phone and laptop
Whenever my laptop plays a notification sound the earbuds jump away from my phone call.
Earbuds hop to my computer in the middle of calls
Audio moves from my phone to the PC randomly, very annoying during meetings.

X200 shows red blinking light
The LED near the power button flashes red and the speaker won't play.
Red flashing LED on speaker
What does the blinking red light mean on the X200? It doesn't respond.

Soundbar doesn't turn on with the TV
I have to switch on the S4 separately every time, even though HDMI-CEC is enabled.
S4 doesn't power on automatically when I turn on my television
The soundbar stays in standby when the TV starts. CEC is on in the TV menu.

Is there a way to use the earbuds without the app?
I don't want to install an app, can I just pair the Buds normally?
Do I need the Lumen app for the buds to work?
Can the earbuds be used as plain Bluetooth headphones without creating an account?

Battery percentage wrong on my phone
My iPhone shows the Buds at 100% and then they die a few minutes later.
Earbud battery level shows full and then they die
The battery indicator jumps from 100 to 10 percent suddenly. Is the readout broken?

The speaker turns off after 15 minutes of no music
When I pause for a bit the X200 powers down, can I disable that?
Disable auto power off on the X200
I'd like the speaker to stay on even when nothing plays. Is there a sleep timer setting?

Replace lost earbud
I lost my right Buds Pro earbud on a train, can I buy just one?
Buy a single replacement bud
Is it possible to order only the left or right earbud instead of a whole new set?

Soundbar sound is muffled for dialogue
Voices in movies are hard to understand through the S4, music is fine.
Hard to hear speech on the S4
Dialogue gets lost under the effects, I keep turning subtitles on. Is there a voice mode?

Hub setup asks for a code I don't have
During setup the app wants a six digit code from the hub, where do I find it?
Where is the pairing code for the Lumen Hub?
The app asks me to enter the setup code. There's nothing on the box.

Can I connect the X200 with an aux cable?
My old laptop has no Bluetooth, is there a 3.5 mm input?
Does the speaker have a line-in jack?
I'd like to plug a headphone cable from my record player into the X200.

Earbuds disconnect when I put my phone in my pocket
Music cuts out every time the phone goes in my back pocket.
Audio cutting out with phone in jeans pocket
The Buds stutter when my phone is in my pocket, fine when I hold it.

Lumen app asks for location permission
Why does the app need my location to connect to the earbuds?
Why does the Lumen app require access to location?
On Android the app refuses to find devices unless I allow location. Is that necessary?

How long does the X200 battery last?
The box says 20 hours, what do people actually get at normal volume?
Real world battery life of the X200 speaker
How many hours do you get on one charge playing music at medium volume?

Soundbar makes a buzzing noise when idle
There's a constant hum from the S4 even with nothing playing.
Humming sound from S4 with no audio
My soundbar buzzes quietly when the TV is paused. It's louder at night when the room is quiet.

Buds won't turn off in the case
The earbuds stay connected even when I put them in the case and close it.
Earbuds stay on after putting them back in the case
My phone still shows the Buds connected while they're in the closed case, draining the battery.

Speaker charges very slowly
It takes 8 hours to charge the X200 from empty.
X200 takes forever to fully charge
Is it normal that a full charge takes a whole night? The manual says three hours.

S4 won't play Dolby Atmos
My TV sends Atmos but the soundbar shows plain stereo.
No Atmos on the soundbar from Netflix
The Netflix title supports Dolby Atmos but the S4 indicator never lights up.

Hub lights turn on by themselves at night
My lamps connected to the Lumen Hub switch on at 3 am randomly.
Lights controlled by the hub switching on randomly
Something triggers my bulbs in the middle of the night, there are no schedules set.

Touch controls too sensitive on the Buds
Every time I adjust them in my ear, the music pauses.
Accidental taps pause music on earbuds
Touching the buds slightly stops playback. Can I turn off the touch gestures?

Stuck in pairing mode
The X200 flashes blue forever and won't leave pairing mode.
X200 keeps blinking blue and never connects
The speaker light keeps flashing blue even after my phone says it's connected.

Buds connect but no sound on Mac
The earbuds show as connected on my MacBook but audio comes from the laptop speakers.
MacBook plays through internal speakers even with Buds connected
The output device switches back to the Mac speakers. The buds are in the list.

Soundbar remote app not working on iPhone
The S4 remote in the app says device not reachable on my iPhone.
Can't control S4 from the app on iOS
The app finds the soundbar but every button says connection failed.

Earbud tips keep coming off
The silicone tips stay in my ear when I take out the Buds.
Ear tips detach from the earbuds
The rubber tips slip off the nozzle and get stuck in my ears. Are there replacements?

Discount code doesn't work at checkout
The promo code from the newsletter says invalid when I try to buy the X200.
Newsletter coupon rejected in the online store
I got a 15% voucher by email but the shop says it's not valid.

X200 makes a loud beep every few minutes
The speaker beeps during music, maybe a low battery warning?
Speaker keeps beeping while playing
A beep interrupts the song every couple of minutes even at full charge.

S4 connected to TV with optical but no sound
I used the optical cable since my TV has no ARC, and there's no audio.
No audio from soundbar over optical cable
The S4 is on optical input but stays silent. The TV is set to output to external speakers.

Earbuds sound tinny
The Buds have no bass and sound like a cheap radio.
Buds lacking bass, sound thin
Music sounds very hollow, as if the low frequencies are missing. Is it the fit?

Hub firmware update failed
The Lumen Hub update failed and now the light is orange.
Lumen Hub orange light after an update error
The hub tried to update overnight, now it shows an orange LED and the app can't reach it.

Can the soundbar be wall mounted?
Does the S4 come with a wall bracket or do I need to buy one?
Wall mount bracket for the S4
Which bracket fits the soundbar? I want to put it under the TV on the wall.

Earbuds connect to old phone instead of new one
I switched phones but the Buds keep connecting to my old one when I take them out.
Buds auto-connect to my previous phone
They keep pairing to the old device lying in a drawer. How do I make them forget it?

X200 app shows wrong battery level
The app says 80% but the speaker dies soon after.
Battery reading on X200 inaccurate
Speaker shuts off with plenty of charge according to the app. Is there a calibration?

Wind noise on calls with the Buds
Outside, the person I'm calling hears a lot of wind.
Callers hear wind when I walk outside with the earbuds
Calls outdoors are unusable because of the wind rustling on the mic.

Soundbar Bluetooth connection from phone keeps failing
My phone sees the S4 but pairing fails with an error.
Can't pair my phone to the S4 over Bluetooth
The soundbar appears in the list but tapping it says couldn't connect.

How do I turn off the voice prompts?
The Buds say "battery low" and "connected" in a loud voice, can I disable that?
Disable spoken notifications on the earbuds
I don't want to hear the announcements every time they connect. Is there a setting?

The X200 strap broke
The carrying strap tore off the speaker, can I buy a replacement?
Replacement lanyard for the X200
The loop on my speaker snapped, is there a spare part I can order?

Hub schedules run an hour late
My morning lights come on at 8 instead of 7 since last weekend.
Lumen Hub automations are off by one hour
After the clocks changed, all my timers fire an hour later than set.

Earbuds charging case battery drains quickly
The case is empty after two days even though I barely use the buds.
Buds case loses charge very fast
My case goes from full to empty within a day or two without recharging the earbuds much.

The speaker won't connect to Spotify Connect
I can't select the X200 as a device in the Spotify app.
X200 not showing in Spotify devices list
Spotify doesn't list the speaker under available devices although it's on Wi-Fi.

TV audio delay on the S4 only with Bluetooth headphones
When I use my headphones connected to the soundbar the sound is late.
S4 headphone output out of sync
Audio through headphones paired to the soundbar lags behind the picture.

Lumen Buds not compatible with my car?
My car's Bluetooth system doesn't find the earbuds.
Car infotainment can't pair with the Buds
I want to take calls through the buds while driving but the car doesn't show them.

Can I rename my speaker?
All my X200s show the same name in the Bluetooth list, how do I change it?
Change the Bluetooth name of the X200
I have two speakers with identical names, can I give them different names?

Soundbar clicks when switching inputs
There's a loud pop every time the S4 changes source.
Popping noise from S4 when input changes
Switching from TV to Bluetooth makes a loud click through the speakers.

Earbuds smell bad
The Buds started to smell after using them at the gym, how should I clean them?
How to clean earwax from the buds
What is the safe way to clean the mesh and tips? There's gunk on them.

The X200 won't go louder than 50 percent
The volume caps at half even when I press plus.
Volume stuck at half on the speaker
I can't raise the volume of the X200 above the middle level. Is there a limit setting?

Hub needs to be reset after power outage
Every time the power goes out the Lumen Hub loses all its devices.
Lumen Hub forgets paired devices after losing power
After a blackout the hub has no devices left and I need to set everything up again.

Is the Buds Pro sweat proof?
Can I use them for intense workouts without damaging them?
Buds Pro water resistance rating
What IP rating do the earbuds have? Will sweat or rain break them?

Soundbar sound only from the center
The S4 surround mode doesn't seem to use the side speakers.
No surround effect on S4
All the sound comes from the middle, there's no width even with surround enabled.

Earbuds disconnect during video calls on laptop
During Teams meetings the Buds drop out every few minutes.
Buds lose connection in Microsoft Teams
In video meetings the earbuds disconnect from my Windows laptop, music is fine.

The app won't install on my old phone
The Lumen app isn't compatible with my Android 8 device.
Lumen app not available for Android 8
The store says my device isn't compatible. Is there an older version?

The X200 sounds worse after the firmware update
Since updating, the speaker sounds muddier and less clear.
Audio quality dropped on X200 after update
The latest firmware made the sound dull. Can I go back to the previous version?

S4 doesn't respond to TV remote volume buttons
I have to use the soundbar remote for volume, the TV remote doesn't change it.
Control soundbar volume with my TV remote
Is there a way to make my Samsung remote adjust the S4 volume?

Buds case light blinks orange
The light on the front of the case keeps flashing orange.
Orange blinking light on earbuds case
What does a flashing amber LED on the case mean? The buds don't charge.

Can I use the X200 while charging?
Will it damage the battery to play music with the cable plugged in?
Playing music on the speaker while it's plugged in
Is it safe to keep the X200 connected to power all the time while using it?

Hub app notifications not arriving
I don't get any alerts from the Lumen Hub motion sensor on my phone.
No push notifications from Lumen Hub
The sensor triggers in the app history, but my phone never shows an alert.

Buds too loud even at lowest volume
The lowest step on my phone is still too loud with the earbuds.
Minimum volume on earbuds too high
At the quietest setting the Buds are still loud, I'd like finer steps.

X200 party mode with more speakers
Can I connect three or more X200s to play the same music?
Link multiple speakers for party mode
Is there a way to play music on several X200 speakers at once throughout the house?

S4 soundbar shows error E3
The display shows E3 and the soundbar won't play anything.
What does the E3 code mean on the soundbar?
My S4 shows E3 on the front panel after turning it on. No sound.

Earbuds crackle in the right ear
There's static in the right bud, especially when I move my head.
Static noise in right earbud
A crackling sound comes from the right Buds, the left one sounds clean.

Can't find the serial number on the X200
Support asked for the serial number but I can't see it anywhere on the speaker.
Where is the X200 serial number located?
I need the serial for a warranty claim, where is it printed?

Hub not working with Google Home
I linked my Lumen account in Google Home but the devices don't appear.
Google Home doesn't show my Lumen Hub devices
The account link succeeds but no lights or plugs are listed in Google Home.

Lost the charging cable for the Buds
What cable do I need to charge the earbuds case?
Which charger works with the Buds case?
I misplaced the original cable. Can I use any USB-C phone charger?

Speaker turns on by itself
The X200 powers up randomly in the middle of the night.
X200 switches on on its own
I find the speaker on in the morning even though I turned it off. It announces "power on".

S4 HDMI passthrough not working
My game console plugged into the soundbar shows no picture on the TV.
No picture through the soundbar HDMI input
When I connect my Xbox to the S4 HDMI in, the TV says no signal.

Can I use only one earbud?
I'd like to use just the right bud for calls while driving.
Using a single earbud on its own
Is it possible to take out only one Buds and use it mono, leaving the other in the case?

Buds Pro transparency mode sounds robotic
Ambient mode makes voices sound metallic and weird.
Ambient sound mode distorted on Buds Pro
When I turn on transparency, people around me sound like robots. Is it normal?

X200 won't connect to a Windows laptop
My laptop finds the speaker but the sound keeps coming from the laptop itself.
Windows 11 not using X200 as output device
The speaker is paired to my PC but Windows doesn't play audio through it.

Soundbar keeps switching to Bluetooth input
The S4 jumps to Bluetooth when my phone is nearby and stops the TV sound.
S4 changes input to Bluetooth automatically
While watching TV the soundbar switches to BT and the TV audio disappears.

Hub compatible with Apple HomeKit?
Can I add the Lumen Hub to the Home app on my iPhone?
Does Lumen Hub work with Apple Home?
I'd like to control my Lumen devices with Siri. Is HomeKit supported?

Earbuds won't charge in the case
The case has battery but the Buds don't charge when I put them in.
Buds not charging when placed in the charging case
The case light shows it has power, but the earbuds stay at zero.

Speaker app stuck on loading screen
The Lumen app spins on the splash screen forever.
Lumen app never gets past the logo
When I open the app it just shows the logo and a spinner. I've waited minutes.

How to set up the S4 with a projector
My projector has no ARC, how do I get sound to the soundbar?
Connecting the soundbar to a projector
I use a projector instead of a TV, what's the best way to hook up the S4?

Buds randomly play music on their own
Sometimes music starts by itself when the earbuds are in my pocket.
Earbuds start playback without me touching them
Spotify resumes by itself with the Buds, even when they are in the case.

X200 doesn't show up in the Bluetooth list on Android
My Pixel can't see the speaker at all when scanning.
Android phone can't discover the X200
Scanning for Bluetooth devices doesn't show the speaker. Other devices appear.

Where can I buy spare ear tips?
I need larger tips for the Buds Pro, are they sold separately?
Order extra silicone ear tips
Can I purchase size L tips for my earbuds somewhere?

The hub motion sensor triggers constantly
My hallway sensor reports motion every few seconds even when nobody is there.
False motion alerts from Lumen sensor
The motion detector connected to the hub sends alerts all the time with an empty room.

Soundbar makes sound only when volume is high
Below level 10 the S4 is completely silent.
S4 silent at low volume levels
I have to go above 10 before any sound comes out of the soundbar.

Buds mic picks up too much background noise
On calls people hear the whole café around me.
Earbuds microphone not filtering background noise
Callers complain they hear traffic and people talking more than my voice.

Changing the shipping address after ordering
I ordered the S4 but entered my old address, can I change it?
Update delivery address on my order
I made a mistake in my address right after checkout. Is it too late to fix?

X200 keeps reconnecting to my laptop instead of phone
When I turn on the speaker it connects to my laptop in the other room.
Speaker auto connects to the wrong device
The X200 always pairs with my computer first, I want it to use my phone.

Hub shows offline in the app but works with the switches
The app says offline but physical buttons still control the lights.
Lumen Hub offline in app, devices still work
Everything works locally but the app can't reach the hub remotely.

Buds Pro firmware update fails every time
The app downloads the update and then says update failed.
Earbuds update error in Lumen app
Installing the new firmware on my Buds Pro always ends with an error at 90%.

S4 night mode doesn't reduce loud explosions
I enabled night mode but action scenes still wake my kids.
Night mode on soundbar not compressing volume
The loud parts in movies are still too loud with night mode switched on.

Is the X200 compatible with the old charging dock?
I have the dock from my previous speaker, will the new X200 fit?
Will the older Lumen dock charge the new X200?
Wondering if the dock I already own works with the current speaker model.

Earbuds auto pause not working
When I take one bud out the music keeps playing.
In-ear detection not pausing music
Removing an earbud used to pause playback, now it doesn't. Is the sensor broken?

Speaker has a rattle in the bass
Something inside the X200 rattles on deep notes.
X200 buzzing on low frequencies
There's a vibration noise from inside the speaker when bass plays, like a loose part.

Soundbar app says device already owned
Setting up my second-hand S4, the app says it's registered to another account.
S4 registered to previous owner's account
I bought the soundbar used and can't add it because it's linked to someone else.

Buds connect to only one ear on iPhone
My iPhone connects to the right earbud but not the left.
iPhone sees only the right Bud
Only one earbud connects to my phone, the other keeps blinking.

X200 stopped charging past 80 percent
The speaker never reaches full charge, it stops at 80.
Speaker battery stuck at 80%
Charging stops at eighty percent even after hours on the cable. Is this battery protection?

Hub plug schedules don't run when internet is down
My smart plug timers don't fire when the internet is out.
Lumen automations need internet connection?
If my internet drops, the schedules on the hub stop working. Shouldn't they run locally?

Earbuds sound muffled after cleaning
I cleaned the Buds with alcohol and now the sound is dull.
Buds audio dull since I washed the tips
After cleaning the earbuds they sound like they're underwater.

The soundbar light stays red and nothing works
The S4 shows a solid red LED and doesn't respond to any button.
S4 solid red light, unresponsive
The soundbar is stuck with a red light on. Unplugging doesn't help.

Can I use the X200 as a speakerphone?
Does the speaker have a microphone for phone calls?
Taking calls on the X200 speaker
Is there a built in mic so I can answer calls through the speaker?

Earbuds keep saying battery low when fully charged
The Buds announce low battery right after I take them out of a full case.
Low battery warning on freshly charged earbuds
They say battery low after a few minutes although the app showed 100%.

Lumen app doesn't show the hub after changing router
I replaced my router and now the app can't find the Lumen Hub.
New Wi-Fi router, hub disappeared from app
After switching internet providers the hub shows offline. How do I update its Wi-Fi?

S4 sound cuts out for a second every few minutes
The soundbar drops audio briefly during TV shows.
Audio dropouts on the soundbar with ARC
Every few minutes the sound from the S4 disappears for a moment and comes back.

Buds volume different in each ear
The left earbud is louder than the right.
Volume imbalance between earbuds
The right bud is quieter than the left. I checked the balance setting on my phone.

X200 display says low temperature
The speaker refuses to charge in my garage in winter.
X200 won't charge in the cold
When it's cold, the speaker shows a temperature warning and doesn't charge.

Hub setup stuck on adding device
Adding a new plug to the Lumen Hub never finishes.
Lumen Hub stuck at adding new device
When I try to add a switch, the app spins on "adding device" forever.

Can I cancel my order?
I ordered the Buds Pro an hour ago and want to cancel it.
Cancel an order I just placed
I changed my mind right after buying. How do I cancel before it ships?

The earbuds' right bud won't connect after replacing it
I got a replacement right bud from support but it doesn't pair with the left.
Replacement earbud not syncing with the original
The new bud from warranty won't work together with my old one.

Soundbar sub keeps dropping out
The wireless subwoofer loses connection with the S4 every evening.
S4 subwoofer disconnects randomly
The sub's light goes red and the bass disappears until I restart the soundbar.

Speaker plays only mono
The X200 doesn't seem to play stereo, everything sounds centered.
Is the X200 a stereo speaker?
I can't hear any left and right separation. Does it support stereo on its own?

Buds connect late after opening the case
It takes almost ten seconds for the earbuds to connect to my phone.
Earbuds slow to reconnect when taken out
Every time I take them out it takes a long time before sound plays through them.

Nova headphones ear cushions peeling
The leather on the ear pads of my Nova is flaking off after a year.
Replacement ear pads for the over-ear headphones
The cushions on my Nova are falling apart. Can I order new ones?

Nova headphones headband cracked
The plastic at the top of my Nova snapped near the hinge.
Broken band on over-ear Nova
The part that goes over my head split, is there a repair program?

Pulse band doesn't count steps correctly
My Pulse shows 3000 steps after a long hike.
Fitness tracker step count way too low
The Pulse undercounts my walking by a lot compared to my phone.

Pulse band not syncing sleep data
The app has no sleep data from last night although I wore the band.
Sleep tracking missing in the app
My Pulse recorded nothing overnight, the sleep tab is empty.

Nova headphones can't be used with a cable while off
The sound stops when the battery of the Nova runs out, even with the audio cable.
Wired mode on Nova when battery is empty
Can I still listen through the 3.5 mm cable if the headphones are dead?

Pulse heart rate readings jump around
The heart rate on my band shows 180 while I'm sitting on the couch.
Wrist tracker shows impossible pulse
Random spikes in BPM when resting, is the sensor faulty?

Nova noise cancelling causes pressure in ears
Using ANC on the over-ear headphones gives me a weird feeling of pressure.
Headphones make my ears feel blocked with ANC on
With noise cancelling enabled on the Nova I get an uncomfortable plugged-ear sensation.

Pulse screen too dim outdoors
I can't read the display on my band in sunlight.
Fitness band display unreadable in the sun
Outside, the Pulse screen is almost invisible. Is there a brightness setting?

Nova headphones pause when I turn my head
Music stops whenever I look down or move my head quickly.
Head movement stops playback on Nova
The over-ear headphones pause by themselves when I tilt my head, like the sensor thinks I took them off.

Pulse band strap gives me a rash
My wrist is red and itchy where the band sits.
Skin irritation from the fitness tracker strap
I get a rash under the Pulse after a few days of wearing it. Is there a different strap material?
"""

# Distractors: questions on the same products, worded like the pairs, so that the words a
# pair shares are not enough on their own to find it. ---------------------------------------

DEVICES = ["Lumen Buds", "Buds Pro", "earbuds", "buds", "X200", "X200 speaker", "speaker", "S4", "S4 soundbar",
           "soundbar", "Lumen Hub", "hub", "charging dock", "Lumen app", "app", "Nova headphones", "headphones",
           "Pulse band", "fitness band", "subwoofer", "remote", "charging case", "smart plug", "motion sensor"]
SYMPTOMS = [
    "keeps disconnecting", "won't pair", "won't charge", "has no sound", "crackles at high volume", "won't update",
    "shows a red light", "blinks blue", "drains overnight", "is too quiet", "lost all its settings",
    "turns off by itself", "gets warm", "won't turn on", "is not detected", "has a delay with video",
    "sounds muffled", "hums when idle", "won't connect to Wi-Fi", "stutters", "skips tracks", "pauses randomly",
    "plays only on one side", "has a loose button", "doesn't show up in the app", "resets itself",
    "asks for a code", "beeps every minute", "won't stay paired", "drops calls", "has a scratched grille",
    "makes a clicking noise", "fails the firmware update", "shows the wrong battery level", "switches inputs",
    "won't reconnect after sleep", "lost its bass", "echoes on calls", "has a weak signal",
    "won't leave pairing mode", "is stuck on the logo", "rattles", "doesn't fit well", "hurts after an hour",
    "charges slowly", "won't hold a charge", "goes offline", "lags behind", "won't play from Spotify",
    "won't work with Alexa", "drops Wi-Fi at night", "has a broken hinge", "is not recognised by my laptop",
    "won't connect to the TV", "has a dead pixel on the display", "vibrates strangely", "is louder on the left",
]
CONTEXTS = ["after the latest update", "on my iPhone", "with my Android phone", "on Windows 11", "on my MacBook",
            "since yesterday", "in the car", "at the gym", "after a factory reset", "with the original cable",
            "when the TV is on", "only in the morning", "after a power cut", "on firmware 3.2", "in cold weather",
            "with two phones", "during video calls", "when I walk away", "since I moved", "after cleaning it"]
TITLE_TEMPLATES = ["My {device} {symptom} {context}", "{Device} {symptom} {context}", "Why does my {device} {symptom}?",
                   "Help: {device} {symptom}", "Is it normal that the {device} {symptom}?",
                   "{Device} {symptom}, any fix?", "Anyone else whose {device} {symptom} {context}?"]
BODY_SENTENCES = [
    "It worked fine until last week.", "I tried restarting it and resetting the network settings.",
    "Support told me to wait for the next update.", "This is already my second unit.",
    "I bought it three months ago from the official store.", "The app says everything is up to date.",
    "Other devices work fine on the same phone.", "I already tried another cable and another charger.",
    "It happens several times a day.", "Any idea what else to try?", "I use it mostly for podcasts and calls.",
    "The light on the front looks normal.", "A friend has the same model without this problem.",
    "I unpaired it, rebooted everything and paired again.", "Is this a hardware fault or a setting?",
    "The warranty is still valid if it comes to that.", "Happens at home and at the office.",
    "I am on the latest version of the app.", "Before that it was perfect for a year.",
]
ANSWER_SENTENCES = [
    "Hold the power button for ten seconds to restart it.", "Forget the device in your phone and pair again.",
    "Update the app first, then the firmware.", "Try a different USB-C cable rated for 3 A.",
    "Switch off battery optimisation for the Lumen app.", "Support replaced mine under warranty in a week.",
    "A factory reset fixed it for me.", "Check the firmware version under Device > About.",
    "Move the router away from the microwave.", "Turn off the power saving mode in the settings.",
    "This is a known issue and the next release fixes it.", "Clean the contacts with a dry cotton swab.",
    "Unplug it for a full minute, then plug it back in.", "Disable the other Bluetooth devices nearby.",
]


def load_pairs():
    """The hand-written pairs: [((title, body), (title, body)), ...]."""
    pairs = []
    for block in PAIRS.strip().split("\n\n"):
        title_a, body_a, title_b, body_b = block.strip().split("\n")
        pairs.append(((title_a, body_a), (title_b, body_b)))
    return pairs


def templated_question(rng):
    """A distractor on the brand's products: (title, body)."""
    device, symptom, context = rng.choice(DEVICES), rng.choice(SYMPTOMS), rng.choice(CONTEXTS)
    title = rng.choice(TITLE_TEMPLATES).format(device=device, Device=device[:1].upper() + device[1:],
                                               symptom=symptom, context=context)
    # As short as the pairs' bodies (one to three sentences): BM25 favours short fields, and
    # longer distractor bodies would hand the pairs an advantage that real questions lack.
    sentences = rng.sample(BODY_SENTENCES, rng.randint(0, 2))
    return title, f"My {device} {symptom} {context}. " + " ".join(sentences)


def build_questions(pairs, distractors, rng):
    """Every question to index, shuffled so ids carry no hint: (pair ids, [(id, title, body), ...])."""
    maker = bench_search.TextMaker(rng, *bench_search.build_vocabulary(rng))
    texts = [text for pair in pairs for text in pair]
    for number in range(distractors):
        if number % 2:
            texts.append(templated_question(rng))
        else:  # the benchmark's kind: Zipf text with some support vocabulary, bodies as short as the pairs'
            texts.append((maker.title(), maker.prose(15, 40, None, 0)))
    order = list(range(len(texts)))
    rng.shuffle(order)
    ids = {position: number + 1 for number, position in enumerate(order)}
    pair_ids = [(ids[2 * n], ids[2 * n + 1]) for n in range(len(pairs))]
    return pair_ids, sorted((ids[position], *text) for position, text in enumerate(texts))


def fill_database(questions, rng):
    """Insert members, questions and answers with bulk SQL, some answers accepted."""
    from sqlalchemy import bindparam, insert, update

    from app.extensions import db
    from app.models import Answer, Question, User

    start = datetime(2024, 1, 1)
    db.session.execute(insert(User.__table__), [
        {"id": n, "username": f"member{n}", "email": f"member{n}@example.com", "password_hash": "!eval",
         "role": "member", "reputation_points": 0, "session_version": 1, "created_at": start} for n in range(1, 51)])
    question_rows, answer_rows, accepted = [], [], []
    for qid, title, body in questions:
        created = start + timedelta(minutes=rng.randrange(500_000))
        answers = rng.randint(0, 3)
        question_rows.append({"id": qid, "author_id": rng.randint(1, 50), "title": title[:150], "body_source": body,
                              "body_html": f"<p>{html.escape(body)}</p>", "score": rng.randint(-1, 10),
                              "answer_count": answers, "view_count": 0, "created_at": created,
                              "last_activity_at": created})
        for _ in range(answers):
            text = " ".join(rng.sample(ANSWER_SENTENCES, rng.randint(2, 4)))
            answer_rows.append({"id": len(answer_rows) + 1, "question_id": qid, "author_id": rng.randint(1, 50),
                                "body_source": text, "body_html": f"<p>{html.escape(text)}</p>", "score": 0,
                                "created_at": created})
        if answers and rng.random() < 0.4:
            accepted.append({"qid": qid, "aid": len(answer_rows)})
    db.session.execute(insert(Question.__table__), question_rows)
    db.session.execute(insert(Answer.__table__), answer_rows)
    table = Question.__table__
    db.session.execute(update(table).where(table.c.id == bindparam("qid"))
                       .values(accepted_answer_id=bindparam("aid")), accepted)
    db.session.commit()


def build_index(workdir, questions, rng):
    """A SQLite database and a Whoosh index filled through the app's own models and reindex()."""
    from app import create_app
    from app.config import testing_config
    from app.extensions import db
    from app.search import index_sync

    app = create_app(testing_config(str(workdir), f"sqlite:///{workdir / 'eval.db'}", str(workdir / "index")))
    with app.app_context():
        try:
            db.create_all()
            fill_database(questions, rng)
            index_sync.reindex()
        finally:
            db.session.remove()
            db.engine.dispose()
    from app.search.whoosh_index import SearchIndex

    return SearchIndex(workdir / "index")


# The tasks ---------------------------------------------------------------------------------


def half_typed(title, rng):
    """The first half of a title's words (at least two), the last one cut short."""
    words = title.split()[:max(2, math.ceil(len(title.split()) / 2))]
    last = words[-1].strip("?!.,:;\"'()")
    if len(last) > 2:
        last = last[:rng.randint(2, len(last) - 1)]
    return " ".join(words[:-1] + [last])


def tasks(pairs, pair_ids, seed):
    """{(task, half): [(query, exclude_id, wanted_id), ...]} for both tasks and both halves."""
    order = list(range(len(pairs)))
    random.Random(SPLIT_SEED).shuffle(order)
    halves = {"tuning": order[:len(order) // 2], "held-out": order[len(order) // 2:]}
    found = {}
    for half, members in halves.items():
        typed, duplicates = [], []
        for n in members:
            for side in (0, 1):
                title, qid, other = pairs[n][side][0], pair_ids[n][side], pair_ids[n][1 - side]
                typed.append((half_typed(title, random.Random(f"{seed}:{qid}")), None, qid))
                duplicates.append((title, qid, other))
        found[("half-typed", half)] = typed
        found[("duplicates", half)] = duplicates
    return found


def score(method, search_index, queries):
    """(success@5, MRR@5) of a method over (query, exclude_id, wanted_id) triples."""
    hits = reciprocal = 0.0
    for query, exclude_id, wanted in queries:
        ids = [i for i in method(search_index, query, exclude_id) if i != exclude_id][:TOP]
        if wanted in ids:
            hits += 1
            reciprocal += 1 / (ids.index(wanted) + 1)
    return hits / len(queries), reciprocal / len(queries)


# The methods: the app's suggest, the two baselines, and the alternatives tried. -------

# What people call this evaluation's products. In the app this is a deployment's setting
# (SEARCH_SYNONYMS), not code: the built-in groups are app/search/synonyms.txt.
PRODUCT_ALIASES = (
    "buds earbuds",
    "x200 speaker",
    "s4 soundbar",
    "hub lumen",
    "nova headphones",
    "pulse band tracker",
    "sub subwoofer",
    "dock cradle",
)


def app_suggest(groups=PRODUCT_ALIASES):
    """The app's own suggest(), as the endpoint calls it, with a deployment's synonym groups."""
    from app.search import whoosh_index

    return lambda search_index, text, exclude_id: whoosh_index.suggest(
        search_index, text, limit=TOP, exclude_id=exclude_id, synonym_groups=groups)[0]


def app_ranking(**options):
    """The app's ranking with one of its parts switched off, for the ablation rows."""
    from app.search import suggest, whoosh_index

    def run(search_index, text, exclude_id):
        reader = search_index.shared_searcher().reader()
        return suggest.rank(reader, whoosh_index._text, text, TOP, exclude_id, **options)

    return run


def _parsed(search_index, query_text, group=None):
    """Ids of a parsed title+body query, one more than needed so an excluded question can drop out."""
    from app.search.whoosh_index import SCHEMA

    parser = MultifieldParser(["title", "body"], SCHEMA, **({"group": group} if group else {}))
    with search_index.searcher() as searcher:
        # optimize=False: Whoosh 2.7's block-quality skipping can loop forever on OR queries
        # (whoosh-community/whoosh#446, #461); some titles of this set trigger it. Same ranking.
        return [int(hit["id"]) for hit in searcher.search(parser.parse(query_text), limit=TOP + 1, optimize=False)]


def plain_prefix(search_index, text, exclude_id):
    """Baseline: plain Whoosh title+body query, every word required, a prefix on the last one."""
    return _parsed(search_index, text.rstrip("?!.,:;\"'() ") + "*")


def plain_or(search_index, text, exclude_id):
    """Baseline: plain Whoosh title+body BM25 OR query."""
    return _parsed(search_index, text, OrGroup)


def previous_app_suggest(search_index, text, exclude_id):
    """The app's suggest() before this evaluation: a BM25F OR over title, body and accepted answer, plus a Prefix."""
    from whoosh.query import AndNot, Or, Prefix, Term
    from whoosh.scoring import BM25F

    from app.search.whoosh_index import _text

    words = [token.text for token in _text(text)]
    if not words:
        return []
    clauses = [Or([Term(field, word) for field in ("title", "body", "accepted_answer")]) for word in words]
    partial = text.split()[-1].lower() if not text[-1:].isspace() else ""
    if len(partial) >= 2 and partial.isalnum():
        clauses.append(Prefix("title", partial))
    query = AndNot(Or(clauses), Term("id", str(exclude_id))) if exclude_id is not None else Or(clauses)
    with search_index.searcher(weighting=BM25F()) as searcher:
        hits = searcher.search(query, limit=4 * TOP, optimize=False)[:]
        hits.sort(key=lambda hit: hit.score * (1.15 if hit["resolved"] else 1.0), reverse=True)
        return [int(hit["id"]) for hit in hits[:TOP]]


def whoosh_variant(fields=("title", "body", "accepted_answer"), scale=None, groups=()):
    """An alternative that stays a Whoosh query: the app's word handling, scored by Whoosh's BM25F."""
    from whoosh.query import AndNot, DisjunctionMax, Or, Term

    from app.search import suggest
    from app.search.whoosh_index import _synonyms, _text

    synonyms = _synonyms(tuple(groups)) if groups else {}

    def concept(word, field):
        return DisjunctionMax([Term(field, word)] + [Term(field, other, boost=suggest.SYNONYM_WEIGHT)
                                                     for other in sorted(synonyms.get(word, ()))])

    def run(search_index, text, exclude_id):
        words, partial = suggest.split_draft(_text, text)
        with search_index.searcher() as searcher:
            clauses = [Or([concept(word, field) for field in fields]) for word in words]
            if partial:
                completions = suggest._completions(searcher.reader(), _text, partial)
                clauses.append(DisjunctionMax([Term("title", term) for term in sorted(completions)]))
            query = Or(clauses, scale=scale)
            if exclude_id is not None:
                query = AndNot(query, Term("id", str(exclude_id)))
            hits = searcher.search(query, limit=4 * TOP, optimize=False)[:]
            hits.sort(key=lambda hit: hit.score * (suggest.RESOLVED_LIFT if hit["resolved"] else 1.0), reverse=True)
            return [int(hit["id"]) for hit in hits[:TOP]]

    return run


def methods():
    """(label, method) rows of the table; built late, after the app's modules can be imported."""
    from app.search.whoosh_index import _synonyms

    return [
        ("app suggest", app_suggest()),
        ("  without product aliases", app_suggest(groups=())),
        ("  without any synonyms", app_ranking(synonyms={})),
        ("  without the body", app_ranking(synonyms=_synonyms(PRODUCT_ALIASES), use_body=False)),
        ("baseline: plain prefix query", plain_prefix),
        ("baseline: plain title+body OR", plain_or),
        ("app suggest before (BM25F OR + Prefix)", previous_app_suggest),
        ("Whoosh query, completions limited", whoosh_variant()),
        ("  + coordination factor 0.9", whoosh_variant(scale=0.9)),
        ("  title only", whoosh_variant(fields=("title",))),
        ("  title and body, synonyms", whoosh_variant(fields=("title", "body"), groups=PRODUCT_ALIASES)),
    ]


def print_table(rows):
    """One line per method: success@5 and MRR@5 per task and half."""
    print(f"\n{'':<34} {'half-typed':^27}   {'duplicates':^27}")
    print(f"{'method':<34} {'tuning':^13} {'held-out':^13}   {'tuning':^13} {'held-out':^13}")
    print(f"{'':<34} " + "   ".join([" ".join(["S@5    MRR  "] * 2)] * 2))
    for label, figures in rows:
        cells = [f"{100 * s:4.0f}% {m:.3f}" for s, m in figures]
        print(f"{label:<34} {cells[0]:>13} {cells[1]:>13}   {cells[2]:>13} {cells[3]:>13}")


def main():
    """Build the evaluation index, score every method, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distractors", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pairs = load_pairs()
    pair_ids, questions = build_questions(pairs, args.distractors, rng)
    queries = tasks(pairs, pair_ids, args.seed)
    print("# Peerdesk suggestion relevance")
    print(f"{len(pairs)} pairs ({len(queries[('duplicates', 'tuning')]) // 2} tuning, "
          f"{len(queries[('duplicates', 'held-out')]) // 2} held out) among {args.distractors} distractors; "
          f"{sum(len(q) for (task, _), q in queries.items() if task == 'half-typed')} half-typed queries, "
          f"{sum(len(q) for (task, _), q in queries.items() if task == 'duplicates')} duplicate queries", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="peerdesk-eval-"))
    try:
        search_index = build_index(workdir, questions, rng)
        rows = []
        for label, method in methods():
            rows.append((label, [score(method, search_index, queries[(task, half)])
                                 for task in ("half-typed", "duplicates") for half in ("tuning", "held-out")]))
        print_table(rows)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
