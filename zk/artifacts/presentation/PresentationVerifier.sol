// SPDX-License-Identifier: GPL-3.0
/*
    Copyright 2021 0KIMS association.

    This file is generated with [snarkJS](https://github.com/iden3/snarkjs).

    snarkJS is a free software: you can redistribute it and/or modify it
    under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.

    snarkJS is distributed in the hope that it will be useful, but WITHOUT
    ANY WARRANTY; without even the implied warranty of MERCHANTABILITY
    or FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public
    License for more details.

    You should have received a copy of the GNU General Public License
    along with snarkJS. If not, see <https://www.gnu.org/licenses/>.
*/

pragma solidity >=0.7.0 <0.9.0;

contract PresentationVerifier {
    // Scalar field size
    uint256 constant r    = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    // Base field size
    uint256 constant q   = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    // Verification Key data
    uint256 constant alphax  = 20111613941090547294602205842108264586985399448884068391523882333003654230784;
    uint256 constant alphay  = 8161764123681393349987036663884075946970619451961742881905739438060170194555;
    uint256 constant betax1  = 17835292870654710324096005435163518318520143972475095776981586579699519238631;
    uint256 constant betax2  = 3561936209640873470631607360700836075371505135468275085531351211457138511745;
    uint256 constant betay1  = 1582461612734559154015688341346635446633299635182579067451955121127382795063;
    uint256 constant betay2  = 18239601154930537382884166966798621896245885896613312145337384979936476539263;
    uint256 constant gammax1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 constant gammax2 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 constant gammay1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 constant gammay2 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;
    uint256 constant deltax1 = 14128825228206171804151665365613429546167299382041479045252477109202645249102;
    uint256 constant deltax2 = 4816890220880004836729064040567017108358976401141515068032077606462489201326;
    uint256 constant deltay1 = 7793310302638318800735995981849290918032827596786348251825505955163285090577;
    uint256 constant deltay2 = 16655072774450590479005159979488827983728892064850618970572432438285714133273;

    
    uint256 constant IC0x = 19581341047430414823510740494180381565407884212491631059888627870040406906143;
    uint256 constant IC0y = 12141072304977155596750416217264332355375327376042753863809759124630431082663;
    
    uint256 constant IC1x = 10730052693144054039335577790687752059168903613058782585406684713544252677407;
    uint256 constant IC1y = 9081445744625109077199031120942896823516555822371713352446164099552011576399;
    
    uint256 constant IC2x = 10553772987451347607518872110215568239261027967854654233955323294594227232143;
    uint256 constant IC2y = 8540084838605600171660764675306473923289931091169988335295987966340672100851;
    
    uint256 constant IC3x = 1463285367600124579790128507486887442650809871513051069443541425360948221549;
    uint256 constant IC3y = 1273392260019476783244413359754287418979968263918594927179959461389447251008;
    
    uint256 constant IC4x = 12500147837296182796449247584578270376847602022527482192695046886023760335970;
    uint256 constant IC4y = 17821168872185570850926364156898187966853274777238421653485673757110134881616;
    
    uint256 constant IC5x = 16840970209982332448974736495116946722869042131509256193981512174398166916570;
    uint256 constant IC5y = 9444344870785827493320566629931546923742536194647303984611529971879041409639;
    
    uint256 constant IC6x = 1468059792843838387992933106130746063356751821306243931191595524438530271753;
    uint256 constant IC6y = 16396110603389091627876722348805466996295250746325999556244685928259146578262;
    
    uint256 constant IC7x = 19354831229135861313515746871481523350318908870828758250907046128273029448735;
    uint256 constant IC7y = 20546178404389353600064946376274460090407197808437216181904659315156975271695;
    
    uint256 constant IC8x = 15186188176293974897875504853092891644050480890598401557445395866163671877928;
    uint256 constant IC8y = 17905114841704434094847838335250475614570641219735211393861341970977298847272;
    
    uint256 constant IC9x = 2272897611134554350679392205930285742328789711652577295862948436851956285761;
    uint256 constant IC9y = 12016763258794000649420447967493188510173106652100308670060852643078300661829;
    
    uint256 constant IC10x = 15019757536685128857587528374119622782083489802444100478465370124976134075171;
    uint256 constant IC10y = 12522932922472390427758547152088097346582210021933801970313324196390228773149;
    
 
    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[10] calldata _pubSignals) public view returns (bool) {
        assembly {
            function checkField(v) {
                if iszero(lt(v, r)) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }
            
            // G1 function to multiply a G1 value(x,y) to value in an address
            function g1_mulAccC(pR, x, y, s) {
                let success
                let mIn := mload(0x40)
                mstore(mIn, x)
                mstore(add(mIn, 32), y)
                mstore(add(mIn, 64), s)

                success := staticcall(sub(gas(), 2000), 7, mIn, 96, mIn, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }

                mstore(add(mIn, 64), mload(pR))
                mstore(add(mIn, 96), mload(add(pR, 32)))

                success := staticcall(sub(gas(), 2000), 6, mIn, 128, pR, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }

            function checkPairing(pA, pB, pC, pubSignals, pMem) -> isOk {
                let _pPairing := add(pMem, pPairing)
                let _pVk := add(pMem, pVk)

                mstore(_pVk, IC0x)
                mstore(add(_pVk, 32), IC0y)

                // Compute the linear combination vk_x
                
                g1_mulAccC(_pVk, IC1x, IC1y, calldataload(add(pubSignals, 0)))
                
                g1_mulAccC(_pVk, IC2x, IC2y, calldataload(add(pubSignals, 32)))
                
                g1_mulAccC(_pVk, IC3x, IC3y, calldataload(add(pubSignals, 64)))
                
                g1_mulAccC(_pVk, IC4x, IC4y, calldataload(add(pubSignals, 96)))
                
                g1_mulAccC(_pVk, IC5x, IC5y, calldataload(add(pubSignals, 128)))
                
                g1_mulAccC(_pVk, IC6x, IC6y, calldataload(add(pubSignals, 160)))
                
                g1_mulAccC(_pVk, IC7x, IC7y, calldataload(add(pubSignals, 192)))
                
                g1_mulAccC(_pVk, IC8x, IC8y, calldataload(add(pubSignals, 224)))
                
                g1_mulAccC(_pVk, IC9x, IC9y, calldataload(add(pubSignals, 256)))
                
                g1_mulAccC(_pVk, IC10x, IC10y, calldataload(add(pubSignals, 288)))
                

                // -A
                mstore(_pPairing, calldataload(pA))
                mstore(add(_pPairing, 32), mod(sub(q, calldataload(add(pA, 32))), q))

                // B
                mstore(add(_pPairing, 64), calldataload(pB))
                mstore(add(_pPairing, 96), calldataload(add(pB, 32)))
                mstore(add(_pPairing, 128), calldataload(add(pB, 64)))
                mstore(add(_pPairing, 160), calldataload(add(pB, 96)))

                // alpha1
                mstore(add(_pPairing, 192), alphax)
                mstore(add(_pPairing, 224), alphay)

                // beta2
                mstore(add(_pPairing, 256), betax1)
                mstore(add(_pPairing, 288), betax2)
                mstore(add(_pPairing, 320), betay1)
                mstore(add(_pPairing, 352), betay2)

                // vk_x
                mstore(add(_pPairing, 384), mload(add(pMem, pVk)))
                mstore(add(_pPairing, 416), mload(add(pMem, add(pVk, 32))))


                // gamma2
                mstore(add(_pPairing, 448), gammax1)
                mstore(add(_pPairing, 480), gammax2)
                mstore(add(_pPairing, 512), gammay1)
                mstore(add(_pPairing, 544), gammay2)

                // C
                mstore(add(_pPairing, 576), calldataload(pC))
                mstore(add(_pPairing, 608), calldataload(add(pC, 32)))

                // delta2
                mstore(add(_pPairing, 640), deltax1)
                mstore(add(_pPairing, 672), deltax2)
                mstore(add(_pPairing, 704), deltay1)
                mstore(add(_pPairing, 736), deltay2)


                let success := staticcall(sub(gas(), 2000), 8, _pPairing, 768, _pPairing, 0x20)

                isOk := and(success, mload(_pPairing))
            }

            let pMem := mload(0x40)
            mstore(0x40, add(pMem, pLastMem))

            // Validate that all evaluations ∈ F
            
            checkField(calldataload(add(_pubSignals, 0)))
            
            checkField(calldataload(add(_pubSignals, 32)))
            
            checkField(calldataload(add(_pubSignals, 64)))
            
            checkField(calldataload(add(_pubSignals, 96)))
            
            checkField(calldataload(add(_pubSignals, 128)))
            
            checkField(calldataload(add(_pubSignals, 160)))
            
            checkField(calldataload(add(_pubSignals, 192)))
            
            checkField(calldataload(add(_pubSignals, 224)))
            
            checkField(calldataload(add(_pubSignals, 256)))
            
            checkField(calldataload(add(_pubSignals, 288)))
            

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }
 }
